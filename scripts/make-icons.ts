/**
 * Draws the two icons the Teams app package needs and writes them as PNG files next to the manifest:
 *
 *   npx tsx scripts/make-icons.ts
 *
 * - manifest/color.png   192×192, full colour: a blue rounded square with a white tunnel arch and a
 *   dot (the chest piece of a stethoscope / the light at the end of the tunnel).
 * - manifest/outline.png  32×32, the same mark in white on a transparent background. Teams requires the
 *   outline icon to hold only white and transparent pixels (learn.microsoft.com, "App icons for Teams
 *   Store and app bar"), so every pixel here is white and only its alpha varies.
 *
 * The encoder is written out (signature, IHDR, IDAT, IEND, each with its CRC-32) so the build needs
 * nothing beyond Node's zlib: PNG spec, https://www.w3.org/TR/png/ §5 (chunks) and §11.2 (IHDR).
 * Output is deterministic: running the script twice writes byte-identical files.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/** An RGBA image, 8 bits per channel, rows top to bottom. */
interface RgbaImage {
  width: number;
  height: number;
  pixels: Uint8Array; // width * height * 4
}

type Rgb = readonly [number, number, number];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 (ISO 3309, polynomial 0xEDB88320), as PNG computes it over a chunk's type and data. */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** RGBA, 8-bit, non-interlaced; every scanline uses filter type 0 (None), which any decoder reads. */
function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) {
    throw new Error(`Image data is ${pixels.length} bytes; ${width}×${height} RGBA needs ${width * height * 4}.`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type 6: truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type None
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The mark, in a unit square (0..1 both ways): is this point inside it? A tunnel portal (an arch with
 * two legs) and a round dot under its crown.
 */
function insideMark(x: number, y: number): boolean {
  const cx = 0.5;
  const springLine = 0.58; // where the arch meets its legs
  const outer = 0.3;
  const inner = 0.2;
  const base = 0.8;
  const dx = x - cx;
  const dy = y - springLine;
  const r = Math.hypot(dx, dy);
  const arch = dy <= 0 && r <= outer && r >= inner;
  const legs = dy > 0 && y <= base && Math.abs(dx) <= outer && Math.abs(dx) >= inner;
  const dot = Math.hypot(dx, y - 0.6) <= 0.085;
  return arch || legs || dot;
}

/** Inside a rounded square filling the unit square, corner radius `radius`. */
function insideRoundedSquare(x: number, y: number, radius: number): boolean {
  const nx = Math.min(Math.max(x, radius), 1 - radius);
  const ny = Math.min(Math.max(y, radius), 1 - radius);
  return Math.hypot(x - nx, y - ny) <= radius;
}

/** Fraction of an n×n grid of samples inside `shape` for pixel (px, py): cheap anti-aliasing. */
function coverage(px: number, py: number, size: number, shape: (x: number, y: number) => boolean, n = 4): number {
  let hits = 0;
  for (let sy = 0; sy < n; sy++) {
    for (let sx = 0; sx < n; sx++) {
      if (shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)) hits++;
    }
  }
  return hits / (n * n);
}

const TEAMS_BLUE: Rgb = [0x1f, 0x6f, 0xeb]; // the manifest's accentColor
const WHITE: Rgb = [255, 255, 255];

function drawColorIcon(size = 192): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const background = coverage(px, py, size, (x, y) => insideRoundedSquare(x, y, 0.19));
      const mark = coverage(px, py, size, insideMark);
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) {
        // The mark lies well inside the square, so blending white over blue is enough.
        pixels[i + c] = Math.round((WHITE[c] ?? 0) * mark + (TEAMS_BLUE[c] ?? 0) * (1 - mark));
      }
      pixels[i + 3] = Math.round(255 * Math.max(background, mark));
    }
  }
  return { width: size, height: size, pixels };
}

function drawOutlineIcon(size = 32): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const alpha = Math.round(255 * coverage(px, py, size, insideMark));
      const i = (py * size + px) * 4;
      // Fully transparent pixels are written as 0,0,0,0; the rest are pure white.
      const rgb = alpha === 0 ? 0 : 255;
      pixels[i] = rgb;
      pixels[i + 1] = rgb;
      pixels[i + 2] = rgb;
      pixels[i + 3] = alpha;
    }
  }
  return { width: size, height: size, pixels };
}

function main(): void {
  const manifestDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'manifest');
  const colorPath = join(manifestDir, 'color.png');
  const outlinePath = join(manifestDir, 'outline.png');
  writeFileSync(colorPath, encodePng(drawColorIcon()));
  writeFileSync(outlinePath, encodePng(drawOutlineIcon()));
  console.log(`wrote ${colorPath}\nwrote ${outlinePath}`);
}

main();
