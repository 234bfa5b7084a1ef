/**
 * Blob names for arbitrary state keys.
 *
 * A key can hold anything ('/', spaces, '.', unicode), while a blob name must not end in '.' or
 * '/', must stay under 1,024 characters and 254 path segments, and '.'/'..' segments get
 * normalised away by URL handling (https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata#blob-names).
 * So keys are escaped into [A-Za-z0-9_-] plus '~XX' per other UTF-8 byte: one path segment,
 * injective (distinct keys, distinct names), still readable in Storage Explorer.
 * A key too long to escape into 1,024 characters is named by its SHA-256 under another prefix,
 * which cannot collide with an escaped name (those contain no second '/').
 */
import { createHash } from 'node:crypto';

const MAX_BLOB_NAME = 1024;

export function escapeKeySegment(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(ch) ? ch : `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function stateBlobName(key: string): string {
  const escaped = `state/${escapeKeySegment(key)}`;
  if (escaped.length <= MAX_BLOB_NAME) return escaped;
  return `state-sha256/${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
