/**
 * Configuration, parsed once from an `env` argument (tests pass their own) and validated at start.
 * A bad value stops the process with one line naming the variable and what it should look like.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { readStoreConfig, type StoreConfig } from './store/create-store.js';
import { readApprovalPolicy, type ApprovalPolicy } from './app/policy-config.js';
import { DEMO_APPROVER_IDS } from './app/demo-identities.js';
import type { Locale } from './app/i18n/index.js';
import { readTelemetryConfig, type TelemetryConfig } from './telemetry/config.js';
import { ConfigError } from './config-error.js';

export type AzureMode = 'simulated' | 'azure';
export type AppType = 'SingleTenant' | 'UserAssignedMSI';

export interface BotIdentity {
  /** Empty only in local mode: Bot Framework authentication is then OFF. */
  appId: string;
  appPassword: string;
  appType: AppType;
  tenantId: string;
}

export interface SimulatorConfig {
  /** Scenario files or folders the embedded simulated Azure serves. */
  scenarios: string[];
  port: number;
  accessLog?: string;
  /** Multiplies the scenarios' latencies (run-command 20 s → 2 s at 0.1). */
  latencyScale: number;
  /**
   * A simulated Azure already running (`npm run sim`), shared by several bot instances; the bot then
   * starts none of its own. Loopback only: the simulator accepts any request.
   */
  endpoint?: string;
}

export interface Config {
  port: number;
  bindHost: string;
  /** Local mode: simulated Azure or an explicit TD_LOCAL=true; allows an empty app id, binds to loopback only. */
  local: boolean;
  bot: BotIdentity;
  azureMode: AzureMode;
  /** Limit the search to these subscriptions; empty = every subscription the identity can see. */
  subscriptionIds: string[];
  simulator: SimulatorConfig;
  /** Durable state (SQLite file by default, or Azure Blob Storage for several instances). */
  store: StoreConfig;
  /** Who may request and approve fixes (README "Fixes and approvals"). */
  approvals: ApprovalPolicy;
  /**
   * Local demo identities (src/app/demo-identities.ts): on in local mode with no app id unless
   * TD_DEMO_IDENTITIES=false; then an unset APPROVER_IDS means the two demo approvers.
   */
  demoIdentities: boolean;
  /**
   * Channels whose identity fields (Entra object id, tenant) are believed (TRUSTED_IDENTITY_CHANNELS,
   * default msteams: Teams fills them in and the Bot Framework token vouches for the activity). Local
   * mode adds `local`, the local chat page's channel, whose people are the demo identities.
   */
  trustedChannels: string[];
  /**
   * This instance's id (TD_INSTANCE_ID, else the host name): owner of the fix executions it claims,
   * holder of the watch lease, telemetry's service.instance.id. Stable across restarts of the same
   * host (not random), so the start-up sweep recognises what its dead predecessor left executing.
   */
  instanceId: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * A Teams channel (conversation id `19:…@thread.tacv2`) that gets a summary of every diagnosis
   * finding a cause and of every approval step, threaded per cluster (INCIDENT_CHANNEL_ID).
   */
  incidentChannelId?: string;
  /** The language of the incident channel's summaries (INCIDENT_LOCALE: en or zh-CN; default en). */
  incidentLocale: Locale;
  /**
   * On SIGTERM/SIGINT: how long running work may finish before what still executes is marked
   * interrupted and the process exits (SHUTDOWN_GRACE_SECONDS, default 25: Azure Container Apps
   * sends SIGKILL 30 s after SIGTERM by default, so the store is closed before that).
   */
  shutdownGraceSeconds: number;
  /** Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING); unset = no telemetry exported. */
  telemetry: TelemetryConfig;
  /** Watches (`watch cluster X`): how often the scheduler looks for due watches and renews its lease. */
  watch: { tickSeconds: number };
  /**
   * EXECUTION_LEASE_SECONDS (default 90): a running fix renews its lease every third of this; one
   * silent for longer is marked interrupted by whichever instance sweeps next (its owner is gone,
   * whatever its replica name), so no execution stays "Applying the fix…" forever.
   */
  executionLeaseSeconds: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number, allowZero = false): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535 || (!allowZero && n === 0)) {
    throw new ConfigError(name, `a TCP port number from ${allowZero ? 0 : 1} to 65535, e.g. ${name}=${fallback}`, raw);
  }
  return n;
}

function readBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, 'true or false', env[name]);
}

function readGuidList(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !GUID.test(id));
  if (bad !== undefined) {
    throw new ConfigError(name, 'comma-separated GUIDs, e.g. 3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69', bad);
  }
  return ids;
}

function readBotIdentity(env: NodeJS.ProcessEnv, local: boolean): BotIdentity {
  const appId = env.MicrosoftAppId?.trim() ?? '';
  const rawType = env.MicrosoftAppType?.trim() || 'SingleTenant';
  if (rawType === 'MultiTenant') {
    throw new ConfigError('MicrosoftAppType', 'SingleTenant or UserAssignedMSI (new Azure Bot registrations can no longer be MultiTenant)', rawType);
  }
  if (rawType !== 'SingleTenant' && rawType !== 'UserAssignedMSI') {
    throw new ConfigError('MicrosoftAppType', 'SingleTenant or UserAssignedMSI', rawType);
  }
  const appType: AppType = rawType;
  if (!appId) {
    if (!local) {
      throw new ConfigError(
        'MicrosoftAppId',
        'the Azure Bot\'s app (client) id; an empty id turns authentication off and is only allowed in local mode against the simulated Azure (AZURE_MODE=simulated)',
      );
    }
    return { appId: '', appPassword: '', appType, tenantId: env.MicrosoftAppTenantId?.trim() ?? '' };
  }
  if (!GUID.test(appId)) throw new ConfigError('MicrosoftAppId', 'a GUID (the Azure Bot\'s app id)', appId);
  const tenantId = env.MicrosoftAppTenantId?.trim() ?? '';
  if (!GUID.test(tenantId)) {
    throw new ConfigError('MicrosoftAppTenantId', `the bot's Entra tenant id (a GUID); required for ${appType}`, tenantId || undefined);
  }
  const appPassword = env.MicrosoftAppPassword ?? '';
  if (appType === 'SingleTenant' && !appPassword) {
    throw new ConfigError('MicrosoftAppPassword', 'the client secret of the SingleTenant app registration (or use MicrosoftAppType=UserAssignedMSI)');
  }
  if (appType === 'UserAssignedMSI' && appPassword) {
    throw new ConfigError('MicrosoftAppPassword', 'empty: a UserAssignedMSI bot authenticates with its managed identity, not a secret', `<${appPassword.length} characters>`);
  }
  return { appId, appPassword, appType, tenantId };
}

function readScenarioPaths(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const raw = env.SIM_SCENARIOS?.trim();
  const paths = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : ['scenarios'];
  return paths.map((p) => {
    const abs = path.resolve(cwd, p);
    if (!existsSync(abs)) throw new ConfigError('SIM_SCENARIOS', 'existing scenario files or folders, comma-separated', p);
    return abs;
  });
}

function readSimEndpoint(env: NodeJS.ProcessEnv): { endpoint?: string } {
  const raw = env.SIM_ENDPOINT?.trim();
  if (!raw) return {};
  if (!/^http:\/\/(127\.0\.0\.1|localhost):\d{1,5}\/?$/.test(raw)) {
    throw new ConfigError('SIM_ENDPOINT', 'the URL of a simulated Azure on this machine, e.g. http://127.0.0.1:4010', raw);
  }
  return { endpoint: raw.replace(/\/$/, '') };
}

/**
 * WATCH_TICK_SECONDS: how often the watch scheduler wakes (whole seconds, 1 to 300, default 30). It
 * bounds how late a due watch starts and how soon another instance takes over the lease of a dead
 * one (after 4 ticks); the watch intervals themselves are 5m to 24h. Tests use 1.
 */
function readWatchTick(env: NodeJS.ProcessEnv): number {
  const raw = env.WATCH_TICK_SECONDS?.trim();
  if (!raw) return 30;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 300) {
    throw new ConfigError('WATCH_TICK_SECONDS', 'whole seconds from 1 to 300, e.g. WATCH_TICK_SECONDS=30', raw);
  }
  return Number(raw);
}

function readExecutionLease(env: NodeJS.ProcessEnv): number {
  const raw = env.EXECUTION_LEASE_SECONDS?.trim();
  if (!raw) return 90;
  if (!/^\d+$/.test(raw) || Number(raw) < 3 || Number(raw) > 3600) {
    throw new ConfigError('EXECUTION_LEASE_SECONDS', 'whole seconds from 3 to 3600, e.g. EXECUTION_LEASE_SECONDS=90 (longer than a pause the bot may take, shorter than people will wait)', raw);
  }
  return Number(raw);
}

/** Whole seconds, 0 to 3600 (0: interrupt at once); default 25, under Container Apps' 30 s to SIGKILL. */
function readShutdownGrace(env: NodeJS.ProcessEnv): number {
  const raw = env.SHUTDOWN_GRACE_SECONDS?.trim();
  if (!raw) return 25;
  if (!/^\d+$/.test(raw) || Number(raw) > 3600) {
    throw new ConfigError('SHUTDOWN_GRACE_SECONDS', 'whole seconds from 0 to 3600, e.g. SHUTDOWN_GRACE_SECONDS=25 (keep it below the host\'s termination grace period)', raw);
  }
  return Number(raw);
}

/**
 * A Teams channel's conversation id as the bot sees it (activity.conversation.id in that channel,
 * or "Get link to channel" → the `19:…@thread.tacv2` part, URL-decoded). Never a thread (`;messageid=`).
 */
const TEAMS_CHANNEL_ID = /^19:[A-Za-z0-9_.\-]{1,200}@thread\.(tacv2|skype|v2)$/;

function readIncidentChannel(env: NodeJS.ProcessEnv): { incidentChannelId?: string } {
  const raw = env.INCIDENT_CHANNEL_ID?.trim();
  if (!raw) return {};
  const id = raw.includes('%') ? safeDecode(raw) : raw;
  if (!TEAMS_CHANNEL_ID.test(id)) {
    throw new ConfigError('INCIDENT_CHANNEL_ID', 'a Teams channel id like 19:a1b2c3d4e5f6@thread.tacv2 (from the channel link, URL-decoded, without ;messageid=)', raw);
  }
  return { incidentChannelId: id };
}

/** The channel is read by a team, not by one person: its language is set here, not per activity. */
function readIncidentLocale(env: NodeJS.ProcessEnv): Locale {
  const raw = env.INCIDENT_LOCALE?.trim();
  if (!raw) return 'en';
  if (raw === 'en' || raw === 'zh-CN') return raw;
  throw new ConfigError('INCIDENT_LOCALE', 'en or zh-CN (the language of the incident channel\'s summaries)', raw);
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function readInstanceId(env: NodeJS.ProcessEnv): string {
  const raw = env.TD_INSTANCE_ID?.trim();
  if (raw && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(raw)) {
    throw new ConfigError('TD_INSTANCE_ID', 'up to 100 letters, digits, ".", "_", ":" or "-" (a stable name for this instance, e.g. tunnel-doctor-1)', raw);
  }
  return (raw || hostname() || 'tunnel-doctor').slice(0, 100);
}

const CHANNEL_ID = /^[a-z0-9][a-z0-9._-]{0,49}$/;

/**
 * TRUSTED_IDENTITY_CHANNELS: comma-separated Bot Framework channel ids (default msteams). Naming
 * another channel (webchat, directline …) says that channel's client cannot choose the Entra object
 * id it sends, e.g. because it signs users in itself; otherwise its users may only diagnose.
 */
function readTrustedChannels(env: NodeJS.ProcessEnv, authOff: boolean): string[] {
  const raw = env.TRUSTED_IDENTITY_CHANNELS?.trim();
  const channels = raw ? raw.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean) : ['msteams'];
  const bad = channels.find((c) => !CHANNEL_ID.test(c));
  if (bad !== undefined) throw new ConfigError('TRUSTED_IDENTITY_CHANNELS', 'comma-separated Bot Framework channel ids, e.g. TRUSTED_IDENTITY_CHANNELS=msteams', bad);
  // Local mode: the local chat page's demo people (authentication is off and the bot is loopback-only there).
  return authOff && !channels.includes('local') ? [...channels, 'local'] : channels;
}

/**
 * Before the bot serves HTTP (main.ts, startBot): authentication off is for the simulated Azure
 * only. With AZURE_MODE=azure and no app id (TD_LOCAL=true), anyone who reaches the port — or a web
 * page in the operator's browser — could request and approve changes to real clusters. The CLI,
 * which serves nothing, may still diagnose real Azure that way.
 */
export function assertSafeToServe(config: Pick<Config, 'bot' | 'azureMode'>): void {
  if (!config.bot.appId && config.azureMode !== 'simulated') {
    throw new ConfigError(
      'MicrosoftAppId',
      'the Azure Bot\'s app (client) id: a bot serving AZURE_MODE=azure must have authentication on; an empty app id (local mode) serves only the simulated Azure (AZURE_MODE=simulated)',
    );
  }
}

export function parseConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const subscriptionIds = readGuidList(env, 'AZURE_SUBSCRIPTION_IDS');
  const rawMode = env.AZURE_MODE?.trim();
  if (rawMode && rawMode !== 'simulated' && rawMode !== 'azure') {
    throw new ConfigError('AZURE_MODE', 'simulated (the embedded simulated Azure) or azure (real Azure through DefaultAzureCredential)', rawMode);
  }
  // Simulated is the embedded default: a newcomer needs no subscription.
  const azureMode: AzureMode = rawMode === 'azure' || rawMode === 'simulated' ? rawMode : subscriptionIds.length > 0 ? 'azure' : 'simulated';
  const local = readBool(env, 'TD_LOCAL') ?? azureMode === 'simulated';
  const bot = readBotIdentity(env, local);
  const rawLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(rawLevel)) {
    throw new ConfigError('LOG_LEVEL', 'debug, info, warn or error', rawLevel);
  }
  const scale = env.SIM_LATENCY_SCALE?.trim();
  const latencyScale = scale ? Number(scale) : 0.1;
  if (!Number.isFinite(latencyScale) || latencyScale < 0 || latencyScale > 10) {
    throw new ConfigError('SIM_LATENCY_SCALE', 'a number from 0 to 10 (1 = the scenarios\' own latencies)', scale);
  }
  const bindHost = env.BIND_HOST?.trim() || (local ? '127.0.0.1' : '0.0.0.0');
  if (local && !bot.appId && bindHost !== '127.0.0.1' && bindHost !== 'localhost' && bindHost !== '::1') {
    // Authentication is off: never let such a bot listen beyond this machine.
    throw new ConfigError('BIND_HOST', '127.0.0.1 while MicrosoftAppId is empty (authentication is off)', bindHost);
  }
  // Only where authentication is off anyway (local, no app id): never a way to approve in Teams.
  const demoIdentities = local && !bot.appId && azureMode === 'simulated' && (readBool(env, 'TD_DEMO_IDENTITIES') ?? true);
  const approvals = readApprovalPolicy(env);
  const trustedChannels = readTrustedChannels(env, !bot.appId && azureMode === 'simulated');
  if (demoIdentities && approvals.approverIds.length === 0) approvals.approverIds = [...DEMO_APPROVER_IDS];
  return {
    port: readPort(env, 'PORT', 3978, true),
    bindHost,
    local,
    bot,
    azureMode,
    subscriptionIds,
    simulator: {
      scenarios: azureMode === 'simulated' ? readScenarioPaths(env, cwd) : [],
      port: readPort(env, 'SIM_PORT', 0, true),
      accessLog: env.SIM_ACCESS_LOG?.trim() || undefined,
      latencyScale,
      ...readSimEndpoint(env),
    },
    store: readStoreConfig(env, cwd),
    approvals,
    demoIdentities,
    trustedChannels,
    instanceId: readInstanceId(env),
    logLevel: rawLevel as Config['logLevel'],
    ...readIncidentChannel(env),
    incidentLocale: readIncidentLocale(env),
    shutdownGraceSeconds: readShutdownGrace(env),
    telemetry: readTelemetryConfig(env),
    watch: { tickSeconds: readWatchTick(env) },
    executionLeaseSeconds: readExecutionLease(env),
  };
}
