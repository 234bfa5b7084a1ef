/**
 * Structural checks of infra/ (no az or bicep CLI here, so nothing compiles it): parameters are
 * declared, documented and used; modules get exactly the parameters they declare; the container
 * app's environment is one the bot reads and parseConfig accepts as a real-Azure configuration;
 * probes and the messaging endpoint are routes the bot serves; API versions are dated GA strings;
 * the role files parse.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

const INFRA = path.resolve('infra');
const read = (rel: string) => readFileSync(path.join(INFRA, rel), 'utf8');

function bicepFiles(dir = INFRA, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bicepFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : e.name.endsWith('.bicep') ? [`${prefix}${e.name}`] : [],
  );
}

/** Bicep without its comments (line and block), keeping strings such as 'https://…' intact. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^([^'\n]*?('[^'\n]*'[^'\n]*?)*?)\s*\/\/.*$/gm, '$1');
}

interface BicepParam {
  name: string;
  hasDefault: boolean;
  described: boolean;
}

function paramsOf(source: string): BicepParam[] {
  const lines = source.split('\n');
  const out: BicepParam[] = [];
  lines.forEach((line, i) => {
    const m = /^param\s+(\w+)\s+\w+(\s*=)?/.exec(line);
    if (!m?.[1]) return;
    // Decorators sit on the lines right above (several, possibly multi-line like @allowed([...])).
    let j = i - 1;
    let described = false;
    while (j >= 0 && !/^\s*$/.test(lines[j] ?? '') && !/^(param|var|resource|module|output|targetScope)\b/.test(lines[j] ?? '')) {
      if (/^@description\('.+'\)\s*$/.test(lines[j] ?? '')) described = true;
      j--;
    }
    out.push({ name: m[1], hasDefault: Boolean(m[2]), described });
  });
  return out;
}

/** The `{ … }` block that opens at `open` (index of '{'), braces in strings ignored. */
function blockAt(source: string, open: number): string {
  let depth = 0;
  let inString = false;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "'" && source[i - 1] !== '\\') inString = !inString;
    if (inString) continue;
    if (c === '{' || c === '[') depth++;
    if (c === '}' || c === ']') depth--;
    if (depth === 0) return source.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

/** Keys at the top level of an object body. */
function topLevelKeys(body: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let inString = false;
  let lineStart = true;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "'" && body[i - 1] !== '\\') inString = !inString;
    if (!inString) {
      if (c === '{' || c === '[' || c === '(') depth++;
      if (c === '}' || c === ']' || c === ')') depth--;
    }
    if (lineStart && depth === 0 && !inString) {
      const m = /^\s*(\w+)\s*:/.exec(body.slice(i));
      if (m?.[1]) keys.push(m[1]);
    }
    lineStart = c === '\n';
  }
  return keys;
}

interface ModuleUse {
  file: string;
  name: string;
  modulePath: string;
  params: string[];
}

function moduleUses(file: string): ModuleUse[] {
  const source = withoutComments(read(file));
  const uses: ModuleUse[] = [];
  for (const m of source.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=[^{\n]*(?:\[\s*for[^:]+:\s*)?\{/gm)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const body = blockAt(source, open);
    const paramsAt = /\n\s*params:\s*\{/.exec(body);
    const params = paramsAt ? topLevelKeys(blockAt(body, paramsAt.index + paramsAt[0].length - 1)) : [];
    uses.push({ file, name: m[1] ?? '', modulePath: path.join(path.dirname(file), m[2] ?? ''), params });
  }
  return uses;
}

const FILES = bicepFiles();

describe('Bicep parameters', () => {
  it('finds main, roles and the modules', () => {
    expect(FILES).toEqual(expect.arrayContaining(['main.bicep', 'roles.bicep', 'modules/container-app.bicep', 'modules/bot.bicep', 'modules/storage.bicep', 'modules/identity.bicep', 'modules/monitoring.bicep']));
  });

  it.each(FILES)('%s: every parameter has a @description and is used', (file) => {
    const source = read(file);
    const params = paramsOf(source);
    expect(params.length).toBeGreaterThan(0);
    const body = withoutComments(source);
    for (const p of params) {
      expect(p.described, `${file}: param ${p.name} has no @description`).toBe(true);
      const uses = [...body.matchAll(new RegExp(`\\b${p.name}\\b`, 'g'))].length;
      expect(uses, `${file}: param ${p.name} is declared but never used`).toBeGreaterThan(1);
    }
  });

  it('every module gets exactly the parameters it declares (all the required ones)', () => {
    const uses = FILES.flatMap(moduleUses);
    expect(uses.length).toBeGreaterThanOrEqual(7);
    for (const use of uses) {
      expect(existsSync(path.join(INFRA, use.modulePath)), `${use.file}: module ${use.name} → ${use.modulePath}`).toBe(true);
      const declared = paramsOf(read(use.modulePath));
      const names = declared.map((p) => p.name);
      expect(use.params.filter((p) => !names.includes(p)), `${use.file}: ${use.name} passes unknown params`).toEqual([]);
      expect(declared.filter((p) => !p.hasDefault && !use.params.includes(p.name)).map((p) => p.name), `${use.file}: ${use.name} misses required params`).toEqual([]);
    }
  });

  it('main.bicepparam sets only main.bicep parameters, and every required one', () => {
    const main = paramsOf(read('main.bicep'));
    const set = [...read('main.bicepparam').matchAll(/^param\s+(\w+)\s*=/gm)].map((m) => m[1] ?? '');
    expect(read('main.bicepparam')).toMatch(/^using '\.\/main\.bicep'$/m);
    expect(set.filter((p) => !main.some((d) => d.name === p))).toEqual([]);
    expect(main.filter((p) => !p.hasDefault && !set.includes(p.name)).map((p) => p.name)).toEqual([]);
  });
});

describe('API versions', () => {
  const refs = FILES.flatMap((file) => [...withoutComments(read(file)).matchAll(/'((?:Microsoft\.\w+)\/[\w/]+)@([^']+)'/g)].map((m) => ({ file, type: m[1] ?? '', version: m[2] ?? '' })));

  it('every resource reference is a dated GA version, the same per type everywhere', () => {
    expect(refs.length).toBeGreaterThan(10);
    const byType = new Map<string, Set<string>>();
    for (const r of refs) {
      expect(r.version, `${r.file}: ${r.type}`).toMatch(/^20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
      expect(Number(r.version.slice(0, 4)), `${r.file}: ${r.type}@${r.version} is old`).toBeGreaterThanOrEqual(2020);
      byType.set(r.type, (byType.get(r.type) ?? new Set()).add(r.version));
    }
    for (const [type, versions] of byType) expect([...versions], type).toHaveLength(1);
    for (const type of [
      'Microsoft.App/containerApps',
      'Microsoft.App/managedEnvironments',
      'Microsoft.BotService/botServices',
      'Microsoft.BotService/botServices/channels',
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.Authorization/roleAssignments',
      'Microsoft.Authorization/roleDefinitions',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
    ]) {
      expect(byType.has(type), type).toBe(true);
    }
  });
});

/** name → value expression of the container's env entries. */
function containerEnv(): Map<string, string> {
  const source = withoutComments(read('modules/container-app.bicep'));
  const env = new Map<string, string>();
  for (const m of source.matchAll(/\{\s*name:\s*'([^']+)',\s*(value|secretRef):\s*([^}]+?)\s*\}/g)) env.set(m[1] ?? '', `${m[2]}:${m[3]}`);
  return env;
}

/** Variables read by libraries rather than src/config.ts, each checked to be read there. */
const LIBRARY_VARIABLES: Record<string, string> = {
  // DefaultAzureCredential → ManagedIdentityCredential picks the user-assigned identity by client id.
  AZURE_CLIENT_ID: 'node_modules/@azure/identity/dist/esm/credentials/defaultAzureCredential.js',
};

describe('the container app', () => {
  const env = containerEnv();
  const app = withoutComments(read('modules/container-app.bicep'));

  it('sets the variables a real-Azure, managed-identity, Blob-state deployment needs', () => {
    for (const name of ['AZURE_MODE', 'AZURE_SUBSCRIPTION_IDS', 'AZURE_CLIENT_ID', 'MicrosoftAppId', 'MicrosoftAppType', 'MicrosoftAppTenantId', 'STATE_STORE', 'STATE_BLOB_ACCOUNT_URL', 'STATE_BLOB_CONTAINER', 'APPROVER_IDS', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'PORT']) {
      expect(env.has(name), name).toBe(true);
    }
    expect(env.get('AZURE_MODE')).toBe("value:'azure'");
    expect(env.get('MicrosoftAppType')).toBe("value:'UserAssignedMSI'");
    expect(env.get('STATE_STORE')).toBe("value:'blob'");
    expect(env.get('MicrosoftAppId')).toBe(env.get('AZURE_CLIENT_ID'));
    expect(env.has('MicrosoftAppPassword'), 'a UserAssignedMSI bot has no password').toBe(false);
    expect(env.has('STATE_BLOB_CONNECTION_STRING'), 'shared keys are off on the account').toBe(false);
  });

  it('every variable it sets is documented in .env.example and read by the bot (or by the library named)', () => {
    const example = readFileSync('.env.example', 'utf8');
    const sources = readdirSync('src', { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join('src', f), 'utf8'))
      .join('\n');
    for (const name of env.keys()) {
      const library = LIBRARY_VARIABLES[name];
      if (library) {
        expect(readFileSync(library, 'utf8'), `${name} in ${library}`).toContain(name);
        expect(example, `${name} mentioned in .env.example`).toContain(name);
        continue;
      }
      expect(example, `${name} documented in .env.example`).toMatch(new RegExp(`^#?${name}=`, 'm'));
      expect(sources, `${name} read in src/`).toMatch(new RegExp(`(env\\.${name}\\b|['"\`]${name}['"\`])`));
    }
  });

  it('parseConfig accepts the environment it sets as a real-Azure, multi-instance configuration', () => {
    const samples: Record<string, string> = {
      port: '3978',
      identityClientId: '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      subscriptionIds: '',
      approverIds: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
      requesterIds: '',
      logLevel: 'info',
      stateBlobEndpoint: 'https://tunneldoctorabc.blob.core.windows.net/',
      stateContainerName: 'tunnel-doctor-state',
    };
    const processEnv: Record<string, string> = {};
    for (const [name, expr] of env) {
      const [kind, value] = expr.split(/:(.*)/s) as [string, string];
      if (kind === 'secretRef') {
        processEnv[name] = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://eastus-8.in.applicationinsights.azure.com/';
        continue;
      }
      const literal = /^'(.*)'$/.exec(value);
      const param = /^(?:string\()?(\w+)\)?$/.exec(value);
      const resolved = literal ? literal[1] : param ? samples[param[1] ?? ''] : undefined;
      expect(resolved, `${name} = ${value}: no sample for it`).toBeDefined();
      processEnv[name] = resolved ?? '';
    }
    const config = parseConfig(processEnv, process.cwd());
    expect(config.azureMode).toBe('azure');
    expect(config.local).toBe(false);
    expect(config.bindHost).toBe('0.0.0.0');
    expect(config.port).toBe(3978);
    expect(config.bot).toMatchObject({ appId: samples.identityClientId, appType: 'UserAssignedMSI', tenantId: samples.tenantId, appPassword: '' });
    expect(config.store).toMatchObject({ kind: 'blob', accountUrl: samples.stateBlobEndpoint, container: samples.stateContainerName });
    expect(config.demoIdentities).toBe(false);
  });

  it('ingress reaches the port the bot listens on; the probes and the messaging endpoint are routes it serves', () => {
    const server = readFileSync('src/transport/http-server.ts', 'utf8');
    expect(app).toMatch(/var port = 3978/);
    expect(app).toMatch(/targetPort: port/);
    expect(app).toMatch(/external: true/);
    expect(app).toMatch(/allowInsecure: false/);
    expect(app).toMatch(/type: 'Liveness'\s*httpGet: \{\s*path: '\/healthz'/);
    expect(app).toMatch(/type: 'Readiness'\s*httpGet: \{\s*path: '\/readyz'/);
    expect(server).toContain("server.get('/healthz'");
    expect(server).toContain("server.get('/readyz'");
    expect(server).toContain("server.post('/api/messages'");
    expect(read('main.bicep')).toContain("messagingEndpoint: 'https://${app.outputs.fqdn}/api/messages'");
  });

  it('attaches the user-assigned identity and runs two or more replicas by default', () => {
    expect(app).toMatch(/type: 'UserAssigned'\s*userAssignedIdentities: \{\s*'\$\{identityId\}': \{\}/);
    expect(app).toMatch(/minReplicas: minReplicas/);
    const minDefault = /param minReplicas int = (\d+)/.exec(read('main.bicep'))?.[1];
    expect(Number(minDefault)).toBeGreaterThanOrEqual(2);
    expect(app).toMatch(/secretRef: 'appinsights-connection-string'/);
  });
});

describe('the bot, the storage account, the roles', () => {
  it('the Azure Bot uses the managed identity (UserAssignedMSI) and has the Teams channel', () => {
    const bot = withoutComments(read('modules/bot.bicep'));
    expect(bot).toMatch(/msaAppType: 'UserAssignedMSI'/);
    expect(bot).toMatch(/msaAppId: identityClientId/);
    expect(bot).toMatch(/msaAppMSIResourceId: identityId/);
    expect(bot).toMatch(/msaAppTenantId: tenantId/);
    expect(bot).toMatch(/location: 'global'/);
    expect(bot).toMatch(/channelName: 'MsTeamsChannel'/);
  });

  it('state storage: TLS 1.2, no public blobs, no shared keys; the identity gets Storage Blob Data Contributor', () => {
    const storage = withoutComments(read('modules/storage.bicep'));
    expect(storage).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(storage).toMatch(/allowBlobPublicAccess: false/);
    expect(storage).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(/publicAccess: 'None'/);
    expect(storage).toContain("var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'");
    expect(storage).toMatch(/principalType: 'ServicePrincipal'/);
  });

  it('role files parse, and roles.bicep builds both roles from those same files', () => {
    const roles = withoutComments(read('roles.bicep'));
    expect(roles).toMatch(/^targetScope = 'subscription'$/m);
    for (const file of ['roles/tunnel-doctor-diagnose.json', 'roles/tunnel-doctor-remediate.json']) {
      const role = JSON.parse(read(file)) as { Actions: string[]; DataActions: string[] };
      expect(role.Actions.length).toBeGreaterThan(0);
      expect(roles).toContain(`loadJsonContent('${file}')`);
      for (const a of [...role.Actions, ...role.DataActions]) expect(a, file).toMatch(/^Microsoft\.[A-Za-z]+(\/[A-Za-z.]+)+$/);
    }
  });
});
