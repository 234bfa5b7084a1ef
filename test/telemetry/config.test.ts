/** APPLICATIONINSIGHTS_CONNECTION_STRING: validated at start, wired to the exporters, never logged. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-error.js';
import { createLogger } from '../../src/log.js';
import { appInsightsTelemetry } from '../../src/telemetry/app-insights.js';
import { createTelemetry } from '../../src/telemetry/sdk.js';
import { tempDir } from '../support/temp-dir.js';

const IKEY = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const GOOD = `InstrumentationKey=${IKEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=11111111-2222-3333-4444-555555555555`;
const VAR = 'APPLICATIONINSIGHTS_CONNECTION_STRING';

function configError(value: string): ConfigError {
  try {
    parseConfig({ [VAR]: value });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('parseConfig accepted the value');
}

describe('APPLICATIONINSIGHTS_CONNECTION_STRING', () => {
  it('is optional: unset or blank means no telemetry is exported', () => {
    expect(parseConfig({}).telemetry).toEqual({});
    expect(parseConfig({ [VAR]: '  ' }).telemetry).toEqual({});
    const t = createTelemetry({});
    expect(t.exporting).toBe(false);
  });

  it('accepts an Application Insights connection string', () => {
    expect(parseConfig({ [VAR]: GOOD }).telemetry).toEqual({ connectionString: GOOD });
    expect(parseConfig({ [VAR]: `InstrumentationKey=${IKEY}` }).telemetry.connectionString).toBe(`InstrumentationKey=${IKEY}`);
  });

  it.each([
    ['a bare instrumentation key', IKEY],
    ['no instrumentation key', 'IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/'],
    ['a key that is not a GUID', 'InstrumentationKey=not-a-guid-secretish;IngestionEndpoint=https://x.example/'],
    ['a plain-http ingestion endpoint', `InstrumentationKey=${IKEY};IngestionEndpoint=http://insecure.example/`],
    ['a storage connection string by mistake', 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUJDREVGR0hJSktMTU5PUA==;EndpointSuffix=core.windows.net'],
  ])('rejects %s with a ConfigError that names the variable but never echoes the value', (_what, value) => {
    const err = configError(value);
    expect(err.variable).toBe(VAR);
    expect(err.message).toContain(VAR);
    expect(err.message).toContain(`<${value.length} characters>`);
    // No part of the value: not the whole, not any key=value pair.
    for (const part of value.split(';').filter((p) => p.length > 8)) expect(err.message).not.toContain(part);
    expect(err.message).not.toContain(IKEY);
  });

  describe('with the Azure Monitor exporters', () => {
    const dir = tempDir('appinsights');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('exports (here: fails to reach a closed local port) without ever logging the connection string', async () => {
      // A reachable-looking but closed endpoint: the export fails fast and the exporter complains.
      const connectionString = `InstrumentationKey=${IKEY};IngestionEndpoint=https://127.0.0.1:9/`;
      const { telemetry } = parseConfig({ [VAR]: connectionString });
      expect(telemetry.connectionString).toBe(connectionString);
      const lines: string[] = [];
      const log = createLogger('debug', {}, (l) => lines.push(l));
      const previous = process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
      process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true'; // no SDK usage telemetry from a test
      try {
        const t = appInsightsTelemetry({ connectionString: telemetry.connectionString!, log, offlineStorageDirectory: dir });
        expect(t.exporting).toBe(true);
        t.tracer.startSpan('tunnel_doctor.diagnosis').end();
        t.instruments.runCommands.add(1, { 'tunnel_doctor.run_command.kind': 'vmss-run-command' });
        log.info('config loaded', { telemetry });
        await t.shutdown();
      } finally {
        if (previous === undefined) delete process.env.APPLICATION_INSIGHTS_NO_STATSBEAT;
        else process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = previous;
      }
      const text = lines.join('\n');
      expect(lines.length).toBeGreaterThan(0);
      expect(text).not.toContain(IKEY);
      expect(text).not.toContain(connectionString);
    });
  });
});
