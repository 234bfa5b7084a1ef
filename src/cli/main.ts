/**
 * `tunnel-doctor diagnose <cluster> [--scenario file] [--json]`: the same engine as the bot, from a
 * terminal. Exit status as scenario-format.md section 2: 0 healthy, 1 cause found, 2 bad input,
 * 3 the diagnosis could not complete.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config-error.js';
import { parseConfig } from '../config.js';
import { ScenarioError } from '../scenario/load.js';
import { openAzure, type OpenAzure } from '../open-azure.js';
import { parseCommand } from '../app/parse-command.js';
import { LOCALES, messagesFor } from '../app/i18n/index.js';
import { userMessageOf } from '../user-message.js';
import { resolveCluster } from '../engine/find-cluster.js';
import { azureClusterDirectory } from '../engine/cluster-directory.js';
import { diagnoseCluster } from '../engine/diagnose.js';
import { ALL_CHECKS } from '../engine/checks/index.js';
import { EXIT, exitCodeFor } from '../engine/report.js';
import { createLogger, silentLogger } from '../log.js';
import { formatReportText } from './format-text.js';
import { formatAuditText, readAuditRecords } from './audit.js';

const USAGE = `Usage:
  tunnel-doctor diagnose <cluster name | managedClusters resource id> [options]
  tunnel-doctor audit [--cluster <name | id>] [--limit n] [--lang en | zh-CN] [--json]

Options:
  --scenario <file>         diagnose inside a simulated Azure loaded from this scenario file (repeatable)
  --resource-group <group>  when the name exists in several resource groups
  --subscription <id|name>  when the name exists in several subscriptions
  --json                    print the report (tunnel-doctor-report/v1), or the audit records, as JSON
  --cluster <name|id>       audit: only this cluster's records
  --limit <n>               audit: at most n records, newest first (default 50)
  --lang <en|zh-CN>         audit: the language of refused clicks' verb and reason (default en; records stay as written)
  --verbose                 log progress to stderr

Without --scenario the environment decides (AZURE_MODE, AZURE_SUBSCRIPTION_IDS, SIM_SCENARIOS, SIM_ENDPOINT), as for the bot:
AZURE_MODE=simulated SIM_ENDPOINT=http://127.0.0.1:4010 talks to a simulated Azure already running there.
Exit status: 0 every check passes, 1 a cause was found, 2 bad input, 3 the diagnosis could not complete.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scenario: { type: 'string', multiple: true },
        'resource-group': { type: 'string' },
        subscription: { type: 'string' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        cluster: { type: 'string' },
        limit: { type: 'string' },
        lang: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`tunnel-doctor: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.badInput;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help' || positionals.length === 0) {
    io.out(USAGE);
    return positionals.length === 0 && !values.help ? EXIT.badInput : 0;
  }
  const [verb, target, ...extra] = positionals;
  if (verb === 'audit' && target === undefined) return runAudit(values, env, io);
  if (verb !== 'diagnose' || target === undefined || extra.length > 0) {
    io.err(`tunnel-doctor: expected "diagnose <cluster>", got "${positionals.join(' ').slice(0, 120)}"\n\n${USAGE}`);
    return EXIT.badInput;
  }
  // The CLI's words go through the same validation as chat text.
  const qualifiers = [
    values['resource-group'] !== undefined ? ` in resource group ${values['resource-group']}` : '',
    values.subscription !== undefined ? ` in subscription ${values.subscription}` : '',
  ].join('');
  const command = parseCommand(`diagnose ${target}${target.startsWith('/') ? '' : qualifiers}`);
  if (command.kind !== 'diagnose') {
    io.err(`tunnel-doctor: ${command.kind === 'refused' ? `${command.reason} ${command.hint}` : 'not a diagnose command'}\n`);
    return EXIT.badInput;
  }

  const log = values.verbose ? createLogger('info') : silentLogger;
  let azure: OpenAzure | undefined;
  try {
    const scenarioFiles = values.scenario?.map((f) => path.resolve(f));
    for (const f of scenarioFiles ?? []) if (!existsSync(f)) throw new ScenarioError(`Scenario file ${f} does not exist. Check the path.`);
    const config = parseConfig(scenarioFiles ? { ...env, AZURE_MODE: 'simulated', SIM_SCENARIOS: scenarioFiles.join(',') } : env);
    // A simulated Azure already running (SIM_ENDPOINT), as the bot uses it: anyone can put a proxy
    // or recorder in between. --scenario still starts a private one, since it names the estate.
    const { endpoint: _running, ...privateSimulator } = config.simulator;
    azure = await openAzure(scenarioFiles ? { ...config, simulator: privateSimulator } : config, { simulatorPort: 0, demoClusters: false });
    const layer = azure.layer;
    const subscriptionIds = config.azureMode === 'azure' ? config.subscriptionIds : [];

    const resolution = await resolveCluster(azureClusterDirectory(layer, subscriptionIds), command.target);
    // Say how the cluster was found: one Resource Graph query, or a list per subscription (and why).
    log.info('cluster lookup', { kind: resolution.kind, ...resolution.lookup });
    switch (resolution.kind) {
      case 'not-found':
        io.err(
          `tunnel-doctor: no managed cluster named "${resolution.query}"${resolution.resourceGroup ? ` in resource group ${resolution.resourceGroup}` : ''}. ` +
            `Searched: ${resolution.searched.join(', ') || 'no subscriptions'}.` +
            (resolution.suggestions.length ? ` Did you mean: ${resolution.suggestions.join(', ')}?` : '') +
            '\n',
        );
        return EXIT.badInput;
      case 'unknown-subscription':
        io.err(`tunnel-doctor: no subscription "${resolution.subscription}". Known: ${resolution.known.join(', ') || 'none'}.\n`);
        return EXIT.badInput;
      case 'ambiguous':
        io.err(
          `tunnel-doctor: "${resolution.query}" names ${resolution.candidates.length} clusters; add --resource-group or --subscription, or pass the id:\n` +
            resolution.candidates.map((c) => `  ${c.id}\n`).join(''),
        );
        return EXIT.badInput;
      case 'found':
        break;
    }
    const report = await diagnoseCluster(layer, resolution.cluster, { checks: ALL_CHECKS, log });
    io.out(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReportText(report));
    return exitCodeFor(report);
  } catch (err) {
    if (err instanceof ScenarioError || err instanceof ConfigError) {
      io.err(`tunnel-doctor: ${err.message}\n`);
      return EXIT.badInput;
    }
    io.err(`tunnel-doctor: the diagnosis could not complete: ${userMessageOf(err)}\n`);
    if (values.verbose) io.err(`${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.incomplete;
  } finally {
    await azure?.close();
  }
}

async function runAudit(values: { cluster?: string; limit?: string; lang?: string; json?: boolean }, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    io.err(`tunnel-doctor: --limit takes a whole number from 1 to 1000, got "${values.limit}"\n`);
    return EXIT.badInput;
  }
  const lang = values.lang ?? 'en';
  if (!(LOCALES as readonly string[]).includes(lang)) {
    io.err(`tunnel-doctor: --lang takes ${LOCALES.join(' or ')}, got "${lang.slice(0, 40)}"\n`);
    return EXIT.badInput;
  }
  if (values.cluster !== undefined) {
    // The same validation as chat text: a name or a managed cluster id, nothing else.
    const command = parseCommand(`diagnose ${values.cluster}`);
    if (command.kind !== 'diagnose') {
      io.err(`tunnel-doctor: ${command.kind === 'refused' ? `${command.reason} ${command.hint}` : 'not a cluster name'}\n`);
      return EXIT.badInput;
    }
  }
  try {
    const records = await readAuditRecords(parseConfig(env), { ...(values.cluster !== undefined ? { cluster: values.cluster } : {}), limit });
    io.out(values.json ? JSON.stringify(records, null, 2) + '\n' : formatAuditText(records, messagesFor(lang)));
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`tunnel-doctor: ${err.message}\n`);
      return EXIT.badInput;
    }
    io.err(`tunnel-doctor: the audit log could not be read: ${userMessageOf(err)}\n`);
    return EXIT.incomplete;
  }
}

const invokedDirectly = process.argv[1] && /cli[\\/]main\.[jt]s$/.test(process.argv[1]);
if (invokedDirectly) {
  runCli(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then((code) => {
    process.exitCode = code;
  });
}
