/**
 * APPLICATIONINSIGHTS_CONNECTION_STRING (the name the Azure Monitor exporters and App Service use).
 * Checked at start, so a typo fails there rather than as silently lost telemetry; the error names
 * the variable and the problem but never echoes the value.
 * Format: https://learn.microsoft.com/azure/azure-monitor/app/connection-strings
 */
import { ConfigError } from '../config-error.js';

export interface TelemetryConfig {
  /** Unset: no telemetry is exported. */
  connectionString?: string;
}

export const CONNECTION_STRING_VARIABLE = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENDPOINT_KEYS = ['ingestionendpoint', 'liveendpoint'];

function fail(problem: string, raw: string): never {
  throw new ConfigError(
    CONNECTION_STRING_VARIABLE,
    `${problem}; expected the Application Insights connection string, e.g. InstrumentationKey=<guid>;IngestionEndpoint=https://<region>.in.applicationinsights.azure.com/`,
    `<${raw.length} characters>`,
  );
}

export function readTelemetryConfig(env: NodeJS.ProcessEnv): TelemetryConfig {
  const raw = env[CONNECTION_STRING_VARIABLE]?.trim();
  if (!raw) return {};
  const fields = new Map<string, string>();
  for (const pair of raw.split(';').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    // The exporter's own parser discards the whole string when a value holds another '='.
    if (eq <= 0 || pair.indexOf('=', eq + 1) >= 0) fail('a part is not Key=Value', raw);
    fields.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim());
  }
  if (!GUID.test(fields.get('instrumentationkey') ?? '')) fail('InstrumentationKey=<guid> is missing or not a GUID', raw);
  for (const key of ENDPOINT_KEYS) {
    const value = fields.get(key);
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== 'https:') fail(`${key === 'liveendpoint' ? 'LiveEndpoint' : 'IngestionEndpoint'} is not an https URL`, raw);
  }
  return { connectionString: raw };
}
