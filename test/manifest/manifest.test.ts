/**
 * The Teams app manifest folder (manifest/): manifest.json on schema 1.29 and its two icons.
 * Limits are the ones the Teams docs state (learn.microsoft.com, "App manifest schema" and "App icons
 * for Teams Store and app bar"), some stricter than the schema so the command menu stays readable;
 * full JSON-schema validation and the zip are tested in package-app.test.ts.
 *
 * The PNG reader below is independent of scripts/make-icons.ts on purpose: it checks the files the
 * script wrote, not the script's own idea of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateSync } from 'node:zlib';
import { PNG_SIGNATURE, pngOf } from '../support/png.js';
import { describe, expect, it } from 'vitest';

const MANIFEST_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'manifest');
const BOT_ID_PLACEHOLDER = '${{BOT_ID}}';
const BOT_SCOPES = ['personal', 'team', 'groupChat'] as const;

interface BotCommand {
  title: string;
  description: string;
}
interface CommandList {
  scopes: string[];
  commands: BotCommand[];
}
interface TeamsManifest {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  accentColor: string;
  bots: Array<{
    botId: string;
    scopes: string[];
    supportsFiles: boolean;
    isNotificationOnly: boolean;
    commandLists: CommandList[];
  }>;
  validDomains: string[];
}

function loadManifest(): TeamsManifest {
  const text = readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8');
  return JSON.parse(text) as TeamsManifest;
}

// ---------------------------------------------------------------------------------------------
// A minimal PNG reader: chunks with their CRCs, IHDR, and the RGBA pixels of an 8-bit image.
// PNG spec https://www.w3.org/TR/png/: §5.3 chunk layout, §11.2.1 IHDR, §7.3 + §9 filtering.
// ---------------------------------------------------------------------------------------------


interface PngChunk {
  type: string;
  data: Buffer;
}
interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlace: number;
}

function readChunks(file: Buffer): PngChunk[] {
  if (!file.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('Not a PNG: the 8-byte signature is wrong.');
  const chunks: PngChunk[] = [];
  let offset = 8;
  while (offset < file.length) {
    if (offset + 12 > file.length) throw new Error(`Truncated chunk header at byte ${offset}.`);
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const end = offset + 8 + length;
    if (end + 4 > file.length) throw new Error(`Chunk ${type} at byte ${offset} runs past the end of the file.`);
    const data = file.subarray(offset + 8, end);
    const stored = file.readUInt32BE(end);
    const computed = crc32(file.subarray(offset + 4, end));
    if (stored !== computed) throw new Error(`Chunk ${type}: CRC ${stored.toString(16)} ≠ computed ${computed.toString(16)}.`);
    chunks.push({ type, data });
    offset = end + 4;
  }
  return chunks;
}

function readHeader(chunks: PngChunk[]): PngHeader {
  const first = chunks[0];
  if (first?.type !== 'IHDR' || first.data.length !== 13) throw new Error('The first chunk must be a 13-byte IHDR.');
  return {
    width: first.data.readUInt32BE(0),
    height: first.data.readUInt32BE(4),
    bitDepth: first.data[8] ?? -1,
    colourType: first.data[9] ?? -1,
    interlace: first.data[12] ?? -1,
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** RGBA bytes, top to bottom, of an 8-bit non-interlaced RGBA PNG (colour type 6). */
function decodeRgba(file: Buffer): { header: PngHeader; pixels: Uint8Array } {
  const chunks = readChunks(file);
  const header = readHeader(chunks);
  if (header.bitDepth !== 8 || header.colourType !== 6 || header.interlace !== 0) {
    throw new Error(
      `Only 8-bit non-interlaced RGBA is read here; got bit depth ${header.bitDepth}, colour type ${header.colourType}, interlace ${header.interlace}.`,
    );
  }
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const bpp = 4;
  const stride = header.width * bpp;
  if (raw.length !== (stride + 1) * header.height) {
    throw new Error(`IDAT inflates to ${raw.length} bytes; ${header.width}×${header.height} RGBA needs ${(stride + 1) * header.height}.`);
  }
  const pixels = new Uint8Array(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? (pixels[out + x - bpp] ?? 0) : 0;
      const up = y > 0 ? (pixels[out - stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= bpp ? (pixels[out - stride + x - bpp] ?? 0) : 0;
      const byte = line[x] ?? 0;
      let value: number;
      switch (filter) {
        case 0: value = byte; break;
        case 1: value = byte + left; break;
        case 2: value = byte + up; break;
        case 3: value = byte + Math.floor((left + up) / 2); break;
        case 4: value = byte + paeth(left, up, upLeft); break;
        default:
          throw new Error(`Scanline ${y} uses filter type ${String(filter)}; PNG defines only 0-4.`);
      }
      pixels[out + x] = value & 0xff;
    }
  }
  return { header, pixels };
}

/** Pixels that break Teams' rule for the outline icon: white, or fully transparent, nothing else. */
function nonWhiteOpaquePixels(width: number, pixels: Uint8Array): Array<{ x: number; y: number; rgba: number[] }> {
  const bad: Array<{ x: number; y: number; rgba: number[] }> = [];
  for (let i = 0; i < pixels.length; i += 4) {
    const rgba = [...pixels.subarray(i, i + 4)];
    const [r, g, b, a] = rgba;
    if (a !== 0 && !(r === 255 && g === 255 && b === 255)) {
      bad.push({ x: (i / 4) % width, y: Math.floor(i / 4 / width), rgba });
    }
  }
  return bad;
}


// ---------------------------------------------------------------------------------------------

describe('manifest.json', () => {
  const manifest = loadManifest();

  it('is on the Teams manifest schema 1.29, whose official schema is vendored', () => {
    expect(manifest.$schema).toBe('https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json');
    expect(manifest.manifestVersion).toBe('1.29');
    expect(existsSync(join(MANIFEST_DIR, 'schema', 'v1.29', 'MicrosoftTeams.schema.json'))).toBe(true);
    expect(manifest.version).toBe('0.1.0');
    // The schema's version pattern: semver major.minor.patch, no pre-release.
    expect(manifest.version).toMatch(/^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$/);
  });

  it('leaves the app id and bot id as the placeholder the package script fills from the environment', () => {
    expect(manifest.id).toBe(BOT_ID_PLACEHOLDER);
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]?.botId).toBe(BOT_ID_PLACEHOLDER);
    // No other ${{…}} placeholders hide anywhere else in the file.
    const raw = readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8');
    expect(raw.match(/\$\{\{[^}]*\}\}/g)).toEqual([BOT_ID_PLACEHOLDER, BOT_ID_PLACEHOLDER]);
  });

  it('names the developer with https links that do not pose as a real vendor site', () => {
    const dev = manifest.developer;
    expect(dev.name).toBe('Tunnel Doctor team');
    expect(dev.name.length).toBeLessThanOrEqual(32);
    for (const url of [dev.websiteUrl, dev.privacyUrl, dev.termsOfUseUrl]) {
      const parsed = new URL(url);
      expect(parsed.protocol).toBe('https:');
      expect(url.length).toBeLessThanOrEqual(2048);
      expect(parsed.hostname).toBe('github.com');
      expect(parsed.pathname.startsWith('/tunnel-doctor')).toBe(true);
    }
  });

  it('keeps names and descriptions within the schema limits and describes the tunnel diagnosis', () => {
    expect(manifest.name.short).toBe('Tunnel Doctor');
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.name.full.length).toBeGreaterThan(0);
    expect(manifest.name.full.length).toBeLessThanOrEqual(100);
    expect(manifest.name.full).not.toBe(manifest.name.short);

    expect(manifest.description.short.length).toBeGreaterThan(0);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    expect(manifest.description.full).not.toBe(manifest.description.short);
    for (const term of ['AKS', 'konnectivity', 'tunnel-front', 'aks-link', '10250', 'SNAT', 'diagnose cluster']) {
      expect(manifest.description.full).toContain(term);
    }
  });

  it('has a six-digit hex accent colour and no extra valid domains', () => {
    expect(manifest.accentColor).toMatch(/^#[0-9a-fA-F]{6}$/);
    expect(manifest.validDomains).toEqual([]);
  });

  it('declares a conversational bot in personal, team and group chat scopes', () => {
    const bot = manifest.bots[0];
    expect(bot).toBeDefined();
    expect([...(bot?.scopes ?? [])].sort()).toEqual([...BOT_SCOPES].sort());
    expect(bot?.supportsFiles).toBe(false);
    expect(bot?.isNotificationOnly).toBe(false);
  });

  it('offers one command list per scope, each with diagnose, help, audit and watch within the limits', () => {
    const lists = manifest.bots[0]?.commandLists ?? [];
    // The schema: at most 3 command lists (one per scope here, so each scope's menu is explicit).
    expect(lists.length).toBeLessThanOrEqual(3);
    const covered = lists.flatMap((l) => l.scopes);
    expect([...covered].sort()).toEqual([...BOT_SCOPES].sort());
    expect(new Set(covered).size).toBe(covered.length);

    for (const list of lists) {
      expect(list.commands.length).toBeGreaterThan(0);
      expect(list.commands.length).toBeLessThanOrEqual(10);
      const titles = list.commands.map((c) => c.title);
      expect(new Set(titles).size, `duplicate titles in ${list.scopes.join(',')}`).toBe(titles.length);
      expect([...titles].sort()).toEqual(['audit', 'diagnose', 'help', 'watch']);
      for (const command of list.commands) {
        expect(command.title.length, command.title).toBeGreaterThan(0);
        expect(command.title.length, command.title).toBeLessThanOrEqual(32);
        expect(command.description.length, command.title).toBeGreaterThan(0);
        expect(command.description.length, command.title).toBeLessThanOrEqual(128);
      }
      // Every description carries an example of what to type (shown in Teams' command menu).
      for (const command of list.commands) expect(command.description, command.title).toMatch(/e\.g\. "[^"]*\b/);
      const example = (title: string) => list.commands.find((c) => c.title === title)?.description ?? '';
      expect(example('diagnose')).toContain('"diagnose cluster ');
      expect(example('audit')).toContain('"audit cluster ');
      expect(example('watch')).toMatch(/"watch cluster \S+ every \d+m"/);
      expect(example('help')).toContain('"help"');
    }
  });
});

describe('manifest/zh-cn.json (Simplified Chinese)', () => {
  const manifest = loadManifest();
  const zh = JSON.parse(readFileSync(join(MANIFEST_DIR, 'zh-cn.json'), 'utf8')) as Record<string, string>;

  it('translates the name, both descriptions and every command description, keeping the typed examples', () => {
    for (const key of ['name.short', 'name.full', 'description.short', 'description.full']) expect(zh[key], key).toBeTruthy();
    expect(zh['description.short']).toMatch(/[\u4e00-\u9fff]/);
    expect(zh['description.short']!.length).toBeLessThanOrEqual(80);
    manifest.bots[0]!.commandLists.forEach((list, i) =>
      list.commands.forEach((command, j) => {
        const translated = zh[`bots[0].commandLists[${i}].commands[${j}].description`];
        expect(translated, `${list.scopes[0]} ${command.title}`).toMatch(/[\u4e00-\u9fff]/);
        // What the user types stays English (the bot's commands are not translated).
        expect(translated).toContain(/"[^"]+"/.exec(command.description)![0]);
        expect(translated!.length).toBeLessThanOrEqual(128);
      }),
    );
  });
});

describe('manifest icons', () => {
  const manifest = loadManifest();

  it('are files in the manifest folder', () => {
    for (const file of [manifest.icons.color, manifest.icons.outline]) {
      expect(file).not.toMatch(/[\\/]/);
      expect(existsSync(join(MANIFEST_DIR, file)), `${file} is missing: run npx tsx scripts/make-icons.ts`).toBe(true);
    }
  });

  it('color icon is a 192×192 full-colour PNG', () => {
    const { header, pixels } = decodeRgba(readFileSync(join(MANIFEST_DIR, manifest.icons.color)));
    expect([header.width, header.height]).toEqual([192, 192]);
    // Full colour: opaque pixels that are neither white nor grey, and the centre is opaque.
    let coloured = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r = 0, g = 0, b = 0, a = 0] = pixels.subarray(i, i + 4);
      if (a === 255 && Math.max(r, g, b) - Math.min(r, g, b) > 64) coloured++;
    }
    expect(coloured).toBeGreaterThan((192 * 192) / 4);
    expect(pixels[(96 * 192 + 96) * 4 + 3]).toBe(255);
  });

  it('outline icon is a 32×32 PNG of only white and fully transparent pixels', () => {
    const { header, pixels } = decodeRgba(readFileSync(join(MANIFEST_DIR, manifest.icons.outline)));
    expect([header.width, header.height]).toEqual([32, 32]);
    expect(nonWhiteOpaquePixels(header.width, pixels)).toEqual([]);
    // Not blank, and not a white square: the mark has both ink and a transparent background.
    const alphas = [...pixels.filter((_, i) => i % 4 === 3)];
    expect(alphas.filter((a) => a === 255).length).toBeGreaterThan(32);
    expect(alphas.filter((a) => a === 0).length).toBeGreaterThan(32 * 32 / 2);
    // The corners are background (Teams draws the outline icon on its own colour).
    expect([alphas[0], alphas[31], alphas[32 * 31], alphas[32 * 32 - 1]]).toEqual([0, 0, 0, 0]);
  });
});

describe('the PNG reader used above', () => {
  it('reports a coloured pixel in an outline icon', () => {
    const png = pngOf(2, 1, [[255, 255, 255, 255, 200, 0, 0, 128]]);
    const { header, pixels } = decodeRgba(png);
    expect(nonWhiteOpaquePixels(header.width, pixels)).toEqual([{ x: 1, y: 0, rgba: [200, 0, 0, 128] }]);
  });

  it('accepts transparent pixels of any colour and white of any opacity', () => {
    const png = pngOf(2, 1, [[10, 20, 30, 0, 255, 255, 255, 40]]);
    const { header, pixels } = decodeRgba(png);
    expect(nonWhiteOpaquePixels(header.width, pixels)).toEqual([]);
  });

  it('undoes the Sub filter', () => {
    // Filter 1 stores each byte minus the byte 4 to its left: 255,255,255,255 then deltas of 0 → two white pixels.
    const { pixels } = decodeRgba(pngOf(2, 1, [[255, 255, 255, 255, 0, 0, 0, 0]], 1));
    expect([...pixels]).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
  });

  it('fails clearly on an unknown filter type', () => {
    expect(() => decodeRgba(pngOf(1, 1, [[1, 2, 3, 4]], 7))).toThrow(/filter type 7/);
  });

  it('fails on a corrupted chunk CRC', () => {
    const png = pngOf(1, 1, [[1, 2, 3, 4]]);
    png[png.length - 1] = (png[png.length - 1] ?? 0) ^ 0xff; // flip IEND's CRC
    expect(() => decodeRgba(png)).toThrow(/IEND: CRC/);
  });
});
