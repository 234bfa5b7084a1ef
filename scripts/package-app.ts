/**
 * Builds the Teams app package (the zip uploaded in Teams → Apps → Manage your apps → Upload an app):
 *
 *   BOT_ID=<the Azure Bot's app id> npm run package      (or MicrosoftAppId=…, as the bot reads it)
 *
 * 1. the bot id comes from the environment and must be a GUID (the manifest's `id` and `bots[0].botId`
 *    are both that id: one Entra app registration is the Teams app and the bot);
 * 2. it replaces the `${{BOT_ID}}` placeholders in manifest/manifest.json;
 * 3. the result is validated OFFLINE against the official Teams manifest schema of its
 *    manifestVersion, vendored in manifest/schema/v<version>/ (see manifest/schema/README.md);
 * 4. the icons are checked as Teams checks them on upload: PNG, color 192×192, outline 32×32 with
 *    only white and transparent pixels ("App icons for Teams Store and app bar", learn.microsoft.com);
 * 5. the language files of localizationInfo (zh-cn.json) are validated against the Localization
 *    schema of the same version;
 * 6. manifest.json, the two icons and the language files are written at the ROOT of
 *    dist/appPackage/tunnel-doctor.zip (Teams rejects a package whose files sit in a folder).
 *
 * Exit codes: 0 written; 2 the bot id is missing or not a GUID; 1 the manifest or an icon is invalid.
 * The zip is written with node:zlib alone (deflateRawSync, crc32): no archive dependency.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateRawSync, inflateSync } from 'node:zlib';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_MANIFEST_DIR = join(REPO_ROOT, 'manifest');
export const DEFAULT_OUT_FILE = join(REPO_ROOT, 'dist', 'appPackage', 'tunnel-doctor.zip');
export const BOT_ID_PLACEHOLDER = '${{BOT_ID}}';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A problem the person packaging can fix; `exitCode` 2 for the environment, 1 for the files. */
export class PackageError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'PackageError';
  }
}

// ---------------------------------------------------------------------------------------------
// The bot id
// ---------------------------------------------------------------------------------------------

/** BOT_ID wins (the Teams Toolkit name); MicrosoftAppId is what the bot itself is configured with. */
export function readBotId(env: NodeJS.ProcessEnv): string {
  for (const name of ['BOT_ID', 'MicrosoftAppId'] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (!GUID.test(raw)) {
      throw new PackageError(
        `${name} is "${raw.slice(0, 80)}": the Azure Bot's Microsoft App ID, a GUID such as 3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69 (Azure portal → your Azure Bot → Configuration).`,
        2,
      );
    }
    return raw.toLowerCase();
  }
  throw new PackageError(
    'BOT_ID is missing (MicrosoftAppId is empty too): set one of them to the Azure Bot\'s Microsoft App ID, e.g. BOT_ID=3f2c1b0a-7d6e-4c5b-9a8f-1e2d3c4b5a69 npm run package.',
    2,
  );
}

/** The manifest with every placeholder replaced; a placeholder left over is a mistake in the template. */
export function fillManifest(template: string, botId: string): Record<string, unknown> {
  const text = template.replaceAll(BOT_ID_PLACEHOLDER, botId);
  const leftover = /\$\{\{[^}]*\}\}/.exec(text);
  if (leftover) throw new PackageError(`manifest.json has a placeholder this script does not fill: ${leftover[0]}`, 1);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new PackageError(`manifest.json is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Schema validation (offline)
// ---------------------------------------------------------------------------------------------

export function schemaPathFor(manifestDir: string, manifestVersion: string): string {
  return join(manifestDir, 'schema', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
}

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/**
 * The Teams schemas declare draft-04 but use draft-06/07 keywords (`const`, `if`/`then`), so they are
 * compiled as draft-07 (Ajv's default), which enforces every keyword they use; `$schema` is dropped
 * in memory so Ajv does not look for the draft-04 meta-schema. strict is off because the official
 * schema trips Ajv's strictRequired lint (`dependencies.builtInTabId`) — a lint, not a rule change.
 * The same goes for the Localization schema.
 */
export function compileTeamsSchema(schemaText: string): ValidateFunction {
  const schema = JSON.parse(schemaText) as Record<string, unknown>;
  delete schema.$schema;
  // unicodeRegExp off: the Localization schema's patterns have an unescaped ']' (valid in plain
  // JavaScript regular expressions, a syntax error with the 'u' flag Ajv uses by default).
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '/';
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : e.keyword === 'enum'
        ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
        : '';
  return `${where} ${e.message ?? e.keyword}${extra}`;
}

const compiledSchemas = new Map<string, ValidateFunction>();

/** Schema errors as "<JSON pointer> <message>" lines; empty when the manifest is valid. */
export function validateManifest(manifest: Record<string, unknown>, manifestDir = DEFAULT_MANIFEST_DIR): string[] {
  const version = manifest.manifestVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) {
    return [`/manifestVersion must be a released schema version such as "1.29", got ${JSON.stringify(version)}`];
  }
  return validateAgainst(manifest, schemaPathFor(manifestDir, version), `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`, `/manifestVersion is ${version}`);
}

/**
 * A language file of localizationInfo.additionalLanguages against the Localization schema of the
 * manifest's version ("Localize your app", learn.microsoft.com): keys such as "name.short" or
 * "bots[0].commandLists[0].commands[1].description".
 */
export function validateLocalization(strings: Record<string, unknown>, manifestVersion: string, manifestDir = DEFAULT_MANIFEST_DIR): string[] {
  return validateAgainst(
    strings,
    join(manifestDir, 'schema', `v${manifestVersion}`, 'MicrosoftTeams.Localization.schema.json'),
    `https://developer.microsoft.com/json-schemas/teams/v${manifestVersion}/MicrosoftTeams.Localization.schema.json`,
    `manifestVersion is ${manifestVersion}`,
  );
}

function validateAgainst(document: Record<string, unknown>, schemaPath: string, expectedSchemaUrl: string, versionNote: string): string[] {
  let validate = compiledSchemas.get(schemaPath);
  if (!validate) {
    let schemaText: string;
    try {
      schemaText = readFileSync(schemaPath, 'utf8');
    } catch {
      return [`${versionNote}, but no schema for it is vendored at ${schemaPath}`];
    }
    validate = compileTeamsSchema(schemaText);
    compiledSchemas.set(schemaPath, validate);
  }
  const errors = validate(document) ? [] : (validate.errors ?? []).map(describeError);
  if (document.$schema !== expectedSchemaUrl) errors.push(`/$schema must be ${expectedSchemaUrl} (${versionNote})`);
  return errors;
}

/** The language files the manifest names (localizationInfo.additionalLanguages[].file). */
function languageFilesOf(manifest: Record<string, unknown>): string[] {
  const info = manifest.localizationInfo as { additionalLanguages?: Array<{ file: string }> } | undefined;
  return (info?.additionalLanguages ?? []).map((l) => l.file);
}

// ---------------------------------------------------------------------------------------------
// Icons: a minimal PNG reader (https://www.w3.org/TR/png/ §5.3 chunks, §11.2.1 IHDR, §7.3/§9 filters)
// ---------------------------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngImage {
  width: number;
  height: number;
  colourType: number;
  /** RGBA, 4 bytes a pixel, rows top to bottom (only for 8-bit non-interlaced RGB/RGBA images). */
  rgba?: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  if (raw.length !== (stride + 1) * height) throw new Error(`image data is ${raw.length} bytes, ${width}×${height} needs ${(stride + 1) * height}`);
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const byte = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= bpp ? (out[row + x - bpp] ?? 0) : 0;
      const up = y > 0 ? (out[row - stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= bpp ? (out[row - stride + x - bpp] ?? 0) : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : filter === 4 ? paeth(left, up, upLeft) : -1;
      if (predictor < 0) throw new Error(`scanline ${y} has filter type ${String(filter)}`);
      out[row + x] = (byte + predictor) & 0xff;
    }
  }
  return out;
}

export function readPng(file: Buffer): PngImage {
  if (!file.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file (wrong signature)');
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colourType: number; interlace: number } | undefined;
  const idat: Buffer[] = [];
  while (offset + 12 <= file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const end = offset + 8 + length;
    if (end + 4 > file.length) throw new Error(`chunk ${type} runs past the end of the file`);
    if (file.readUInt32BE(end) !== crc32(file.subarray(offset + 4, end))) throw new Error(`chunk ${type} has a bad CRC`);
    const data = file.subarray(offset + 8, end);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8] ?? 0, colourType: data[9] ?? 0, interlace: data[12] ?? 0 };
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset = end + 4;
  }
  if (!header) throw new Error('PNG without an IHDR chunk');
  const image: PngImage = { width: header.width, height: header.height, colourType: header.colourType };
  const bpp = header.colourType === 6 ? 4 : header.colourType === 2 ? 3 : 0;
  if (header.bitDepth === 8 && header.interlace === 0 && bpp > 0) {
    const pixels = unfilter(inflateSync(Buffer.concat(idat)), header.width, header.height, bpp);
    if (bpp === 4) {
      image.rgba = pixels;
    } else {
      const rgba = new Uint8Array(header.width * header.height * 4);
      for (let i = 0, j = 0; i < pixels.length; i += 3, j += 4) rgba.set([pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0, 255], j);
      image.rgba = rgba;
    }
  }
  return image;
}

/** What is wrong with the two icons, as Teams would reject them; empty when both are fine. */
export function checkIcons(color: Buffer, outline: Buffer, names = { color: 'color.png', outline: 'outline.png' }): string[] {
  const problems: string[] = [];
  const read = (name: string, file: Buffer): PngImage | undefined => {
    try {
      return readPng(file);
    } catch (err) {
      problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const c = read(names.color, color);
  if (c && (c.width !== 192 || c.height !== 192)) problems.push(`${names.color}: must be 192×192 pixels, is ${c.width}×${c.height}`);
  const o = read(names.outline, outline);
  if (o) {
    if (o.width !== 32 || o.height !== 32) problems.push(`${names.outline}: must be 32×32 pixels, is ${o.width}×${o.height}`);
    if (!o.rgba || o.colourType !== 6) {
      problems.push(`${names.outline}: must be an 8-bit RGBA PNG with a transparent background (colour type ${o.colourType} has no alpha channel)`);
    } else {
      let transparent = 0;
      let offending = -1;
      for (let i = 0; i < o.rgba.length; i += 4) {
        const [r, g, b, a] = o.rgba.subarray(i, i + 4);
        if (a === 0) transparent++;
        else if (offending < 0 && !(r === 255 && g === 255 && b === 255)) offending = i / 4;
      }
      if (transparent === 0) problems.push(`${names.outline}: has no transparent pixel; the background must be transparent`);
      if (offending >= 0) {
        problems.push(`${names.outline}: pixel (${offending % o.width}, ${Math.floor(offending / o.width)}) is neither white nor transparent; the outline icon may hold only those`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Zip (APPNOTE.TXT 6.3: local file headers, deflated data, central directory, end record)
// ---------------------------------------------------------------------------------------------

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** DOS date/time fields; fixed at 2024-01-01 00:00 so the same inputs give a byte-identical zip. */
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

export function writeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    if (!/^[A-Za-z0-9._-]+$/.test(entry.name)) throw new Error(`zip entry name ${JSON.stringify(entry.name)}: plain file names only, at the zip root`);
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header signature
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header signature
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    // extra, comment, disk number, internal attributes: 0; external attributes: 0; then the offset.
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory signature
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---------------------------------------------------------------------------------------------

export interface PackageOptions {
  env: NodeJS.ProcessEnv;
  manifestDir?: string;
  outFile?: string;
}

export interface PackageResult {
  outFile: string;
  botId: string;
  entries: string[];
}

export function packageApp(opts: PackageOptions): PackageResult {
  const manifestDir = opts.manifestDir ?? DEFAULT_MANIFEST_DIR;
  const outFile = opts.outFile ?? DEFAULT_OUT_FILE;
  const botId = readBotId(opts.env);
  const manifest = fillManifest(readFileSync(join(manifestDir, 'manifest.json'), 'utf8'), botId);
  const schemaErrors = validateManifest(manifest, manifestDir);
  if (schemaErrors.length > 0) {
    throw new PackageError(`manifest.json does not match the Teams manifest schema v${String(manifest.manifestVersion)}:`, 1, schemaErrors);
  }
  const icons = manifest.icons as { color: string; outline: string };
  for (const file of [icons.color, icons.outline]) {
    // The schema allows relative paths; Teams wants the icons at the zip root next to manifest.json.
    if (!/^[A-Za-z0-9._-]+\.png$/.test(file)) throw new PackageError(`icons: "${file}" must be a .png file name in the manifest folder (no sub-folders)`, 1);
  }
  const color = readFileSync(join(manifestDir, icons.color));
  const outline = readFileSync(join(manifestDir, icons.outline));
  const iconProblems = checkIcons(color, outline, icons);
  if (iconProblems.length > 0) throw new PackageError('The app icons would be rejected by Teams:', 1, iconProblems);

  const languages: ZipEntry[] = [];
  for (const file of languageFilesOf(manifest)) {
    if (!/^[A-Za-z0-9._-]+\.json$/.test(file)) throw new PackageError(`localizationInfo: "${file}" must be a .json file name in the manifest folder`, 1);
    let strings: Record<string, unknown>;
    try {
      strings = JSON.parse(readFileSync(join(manifestDir, file), 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new PackageError(`${file}: ${err instanceof Error ? err.message : String(err)}`, 1);
    }
    const problems = validateLocalization(strings, String(manifest.manifestVersion), manifestDir);
    if (problems.length > 0) throw new PackageError(`${file} does not match the Teams localization schema v${String(manifest.manifestVersion)}:`, 1, problems);
    languages.push({ name: file, data: Buffer.from(`${JSON.stringify(strings, null, 2)}\n`, 'utf8') });
  }

  const entries: ZipEntry[] = [
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    { name: icons.color, data: color },
    { name: icons.outline, data: outline },
    ...languages,
  ];
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, writeZip(entries));
  return { outFile, botId, entries: entries.map((e) => e.name) };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function main(): void {
  const args = process.argv.slice(2);
  const manifestDir = argValue(args, '--manifest-dir');
  const outFile = argValue(args, '--out');
  try {
    const result = packageApp({
      env: process.env,
      ...(manifestDir ? { manifestDir: resolve(manifestDir) } : {}),
      ...(outFile ? { outFile: resolve(outFile) } : {}),
    });
    process.stdout.write(`Wrote ${result.outFile} (${result.entries.join(', ')}) for bot ${result.botId}.\n`);
    process.stdout.write('Upload it in Teams: Apps → Manage your apps → Upload an app → Upload a custom app.\n');
  } catch (err) {
    if (err instanceof PackageError) {
      process.stderr.write(`package: ${err.message}\n${err.details.map((d) => `  - ${d}\n`).join('')}`);
      process.exit(err.exitCode);
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
