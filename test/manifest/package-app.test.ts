/**
 * `npm run package` (scripts/package-app.ts): the bot id from the environment, offline validation
 * against the vendored official Teams schema, icon checks, and the zip — read back here with an
 * independent zip reader (end record → central directory → local headers → inflate → CRC-32).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';
import { solidPng } from '../support/png.js';
import { describe, expect, it } from 'vitest';
import { checkIcons, packageApp, PackageError, readBotId, validateLocalization, validateManifest } from '../../scripts/package-app.js';
import { tempDir } from '../support/temp-dir.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(REPO_ROOT, 'scripts', 'package-app.ts');
const MANIFEST_DIR = join(REPO_ROOT, 'manifest');
const BOT_ID = '3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69';

interface ZipRead {
  name: string;
  method: number;
  data: Buffer;
}

/** Reads a zip as an unzip tool does: from the end-of-central-directory record backwards. */
function readZip(zip: Buffer): ZipRead[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  const dirSize = zip.readUInt32LE(eocd + 12);
  const dirOffset = zip.readUInt32LE(eocd + 16);
  expect(dirOffset + dirSize).toBe(eocd);
  const out: ZipRead[] = [];
  let p = dirOffset;
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLength);
    // The local header must agree with the central directory.
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    expect(zip.toString('utf8', localOffset + 30, localOffset + 30 + zip.readUInt16LE(localOffset + 26))).toBe(name);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(data.length, name).toBe(size);
    expect(crc32(data), name).toBe(crc);
    out.push({ name, method, data });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

function runScript(env: Record<string, string | undefined>, args: string[]) {
  const base = { ...process.env };
  delete base.BOT_ID;
  delete base.MicrosoftAppId;
  const childEnv = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  return spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: REPO_ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 });
}

/** A copy of manifest/ (manifest, icons, schema) that a test may break. */
function manifestCopy(edit?: (m: Record<string, any>) => void): string {
  const dir = tempDir('package');
  for (const f of readdirSync(MANIFEST_DIR)) if (/\.(png|json)$/.test(f)) copyFileSync(join(MANIFEST_DIR, f), join(dir, f));
  cpSync(join(MANIFEST_DIR, 'schema'), join(dir, 'schema'), { recursive: true });
  if (edit) {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, any>;
    edit(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  }
  return dir;
}


describe('npm run package', () => {
  it('writes a zip with manifest.json and both icons at its root, the manifest carrying the id and passing the official schema', () => {
    const out = join(tempDir('package'), 'appPackage', 'tunnel-doctor.zip');
    const run = runScript({ BOT_ID }, ['--out', out]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Upload a custom app');

    const entries = readZip(readFileSync(out));
    expect(entries.map((e) => e.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png', 'zh-cn.json']);
    for (const e of entries) expect(e.method, e.name).toBe(8);

    const manifestText = entries.find((e) => e.name === 'manifest.json')!.data.toString('utf8');
    expect(manifestText).not.toContain('${{');
    const manifest = JSON.parse(manifestText) as Record<string, any>;
    expect(manifest.id).toBe(BOT_ID);
    expect(manifest.bots[0].botId).toBe(BOT_ID);
    expect(validateManifest(manifest)).toEqual([]);
    // The Simplified Chinese strings go in as the manifest names them, and pass their own schema.
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'zh-cn', file: 'zh-cn.json' }] });
    const zh = JSON.parse(entries.find((e) => e.name === 'zh-cn.json')!.data.toString('utf8')) as Record<string, unknown>;
    expect(validateLocalization(zh, '1.29')).toEqual([]);
    expect(zh['description.short']).toMatch(/[\u4e00-\u9fff]/);
    // The icons go in unchanged.
    for (const icon of ['color.png', 'outline.png']) {
      expect(entries.find((e) => e.name === icon)!.data.equals(readFileSync(join(MANIFEST_DIR, icon))), icon).toBe(true);
    }
  });

  it('takes MicrosoftAppId when BOT_ID is unset, and writes the same bytes for the same input', () => {
    const dir = tempDir('package');
    const a = packageApp({ env: { MicrosoftAppId: BOT_ID.toUpperCase() }, outFile: join(dir, 'a.zip') });
    const b = packageApp({ env: { BOT_ID }, outFile: join(dir, 'b.zip') });
    expect(a.botId).toBe(BOT_ID);
    expect(readFileSync(a.outFile).equals(readFileSync(b.outFile))).toBe(true);
  });

  it.each([
    [{ BOT_ID: 'my-bot' }, /BOT_ID is "my-bot".*GUID/],
    [{ BOT_ID: `${BOT_ID}; rm -rf /` }, /BOT_ID is .*GUID/],
    [{ MicrosoftAppId: '12345' }, /MicrosoftAppId is "12345".*GUID/],
    [{}, /BOT_ID is missing \(MicrosoftAppId is empty too\)/],
  ])('refuses %j with exit code 2 and a message naming the variable, writing nothing', (env, message) => {
    const out = join(tempDir('package'), 'tunnel-doctor.zip');
    const run = runScript(env, ['--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('fails with exit code 1 naming the JSON path when an edit breaks the schema', () => {
    const dir = manifestCopy((m) => {
      m.bots[0].scopes.push('channel');
      delete m.developer.privacyUrl;
    });
    const out = join(tempDir('package'), 'tunnel-doctor.zip');
    const run = runScript({ BOT_ID }, ['--manifest-dir', dir, '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('does not match the Teams manifest schema v1.29');
    expect(run.stderr).toMatch(/\/bots\/0\/scopes\/3 must be equal to one of the allowed values/);
    expect(run.stderr).toMatch(/\/developer must have required property 'privacyUrl'/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails with exit code 1 naming the file and key when a language file breaks the Localization schema', () => {
    const dir = manifestCopy();
    const zh = JSON.parse(readFileSync(join(dir, 'zh-cn.json'), 'utf8')) as Record<string, unknown>;
    zh['bots[0].commandLists[7].commands[0].description'] = '没有第八个命令列表';
    zh['description.short'] = '太长'.repeat(50);
    writeFileSync(join(dir, 'zh-cn.json'), JSON.stringify(zh));
    const out = join(tempDir('package'), 'tunnel-doctor.zip');
    const run = runScript({ BOT_ID }, ['--manifest-dir', dir, '--out', out]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('zh-cn.json does not match the Teams localization schema v1.29');
    expect(run.stderr).toContain('must NOT have additional properties (bots[0].commandLists[7].commands[0].description)');
    expect(run.stderr).toMatch(/\/description\.short must NOT have more than 80 characters/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('validateManifest', () => {
  const valid = () => JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8').replaceAll('${{BOT_ID}}', BOT_ID)) as Record<string, any>;

  it('accepts the real manifest once the id is filled in, and rejects the unfilled placeholder', () => {
    expect(validateManifest(valid())).toEqual([]);
    const raw = JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(validateManifest(raw).join('\n')).toMatch(/^\/id must match pattern/m);
  });

  it.each<[string, (m: Record<string, any>) => void, RegExp]>([
    ['a short name over 30 characters', (m) => (m.name.short = 'Tunnel Doctor for every AKS cluster'), /^\/name\/short must NOT have more than 30 characters/m],
    ['an unknown top-level property', (m) => (m.botEndpoint = 'https://example.org'), /^\/ must NOT have additional properties \(botEndpoint\)/m],
    ['an accent colour that is not #rrggbb', (m) => (m.accentColor = 'blue'), /^\/accentColor must match pattern/m],
    ['a command without a title', (m) => delete m.bots[0].commandLists[0].commands[0].title, /^\/bots\/0\/commandLists\/0\/commands\/0 must have required property 'title'/m],
    ['a privacy URL that is not http(s)', (m) => (m.developer.privacyUrl = 'ftp://example.org/privacy'), /^\/developer\/privacyUrl must match pattern/m],
    ['a $schema of another version', (m) => (m.$schema = 'https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json'), /^\/\$schema must be .*v1\.29/m],
    ['a version without a vendored schema', (m) => (m.manifestVersion = '1.99'), /no schema for it is vendored/],
  ])('names the path for %s', (_what, edit, expected) => {
    const m = valid();
    edit(m);
    expect(validateManifest(m).join('\n')).toMatch(expected);
  });
});

describe('checkIcons', () => {
  const color = readFileSync(join(MANIFEST_DIR, 'color.png'));
  const outline = readFileSync(join(MANIFEST_DIR, 'outline.png'));

  it('accepts the real icons', () => {
    expect(checkIcons(color, outline)).toEqual([]);
  });

  it('rejects wrong sizes, a coloured outline, an opaque outline and a file that is not a PNG', () => {
    expect(checkIcons(solidPng(96, 96, [10, 100, 200, 255]), outline)).toEqual(['color.png: must be 192×192 pixels, is 96×96']);
    const coloured = checkIcons(color, solidPng(32, 32, [200, 0, 0, 255]));
    expect(coloured).toContain('outline.png: has no transparent pixel; the background must be transparent');
    expect(coloured).toContain('outline.png: pixel (0, 0) is neither white nor transparent; the outline icon may hold only those');
    expect(checkIcons(color, solidPng(32, 32, [255, 255, 255, 255]))).toEqual(['outline.png: has no transparent pixel; the background must be transparent']);
    expect(checkIcons(color, color)).toContain('outline.png: must be 32×32 pixels, is 192×192');
    expect(checkIcons(Buffer.from('GIF89a'), outline)).toEqual(['color.png: not a PNG file (wrong signature)']);
  });
});

describe('readBotId', () => {
  it('prefers BOT_ID, lower-cases it, and throws a PackageError with exit code 2 otherwise', () => {
    expect(readBotId({ BOT_ID: BOT_ID.toUpperCase(), MicrosoftAppId: '00000000-0000-0000-0000-000000000001' })).toBe(BOT_ID);
    expect(() => readBotId({ BOT_ID: ' ' })).toThrow(PackageError);
    try {
      readBotId({ BOT_ID: 'x' });
    } catch (err) {
      expect((err as PackageError).exitCode).toBe(2);
    }
  });
});
