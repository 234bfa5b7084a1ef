/**
 * Tiny RGBA PNGs built in tests (PNG spec https://www.w3.org/TR/png/: §5.3 chunks, §11.2.1 IHDR),
 * to prove that readers and icon checks can say no.
 */
import { crc32, deflateSync } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit RGBA PNG whose rows are given as bytes (4 per pixel), each row with `filterType`. */
export function pngOf(width: number, height: number, rows: number[][], filterType = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.concat(rows.map((row) => Buffer.from([filterType, ...row])));
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** An RGBA PNG of one colour. */
export function solidPng(width: number, height: number, rgba: [number, number, number, number]): Buffer {
  const row = Array.from({ length: width }, () => rgba).flat();
  return pngOf(width, height, Array.from({ length: height }, () => row));
}
