/**
 * The audit log on Azure Blob Storage, shared by every bot instance: JSON lines in append blobs
 * (audit/00000001.jsonl, audit/00000002.jsonl, …). An append blob can only grow, and each Append
 * Block lands whole and in the order the service accepted it
 * (https://learn.microsoft.com/rest/api/storageservices/append-block), so concurrent instances
 * never interleave half lines and the log has one order.
 *
 * A segment is left only when the service refuses it for good: 50,000 blocks (BlockCountExceedsLimit)
 * or sealed (BlobIsSealed, e.g. by an operator freezing it). Both refuse every later append too, so
 * a record appended after another one was acknowledged always lands in the same or a later
 * segment: causal order holds across instances. (A size or day limit would not: a small record
 * still fits where a large one was refused, and instances' clocks disagree at midnight.)
 *
 * Known gap: the SDK retries an Append Block whose response was lost; if the first attempt had
 * landed, the record appears twice. A duplicate beats a lost audit record.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { containerCreator, readStreamBytes, statusOf } from './blob-client.js';
import {
  checkAuditQuery,
  matchesAuditQuery,
  toAuditRecord,
  type AuditEntry,
  type AuditLog,
  type AuditQuery,
  type AuditRecord,
} from './append-log.js';

const SEGMENT = /^audit\/(\d{8})\.jsonl$/;
/** Bytes fetched per ranged read when walking a segment backwards (newest first). */
const TAIL_CHUNK_BYTES = 64 * 1024;

export interface BlobAuditLogOptions {
  /** Bytes per ranged read from a segment's end; small values in tests exercise the line stitching. */
  tailChunkBytes?: number;
}
/** Segments created in one append before giving up (each step means the previous one was full or sealed). */
const MAX_SEGMENT_STEPS = 16;

export function auditSegmentName(segment: number): string {
  return `audit/${String(segment).padStart(8, '0')}.jsonl`;
}

export class BlobAuditLog implements AuditLog {
  private readonly ensureContainer: () => Promise<void>;
  private currentSegment: number | undefined;

  private readonly tailChunkBytes: number;

  constructor(
    readonly container: ContainerClient,
    options: BlobAuditLogOptions = {},
  ) {
    this.ensureContainer = containerCreator(container);
    this.tailChunkBytes = options.tailChunkBytes ?? TAIL_CHUNK_BYTES;
  }

  async appendAudit(entry: AuditEntry): Promise<AuditRecord> {
    const record = toAuditRecord(entry);
    const line = `${JSON.stringify(record)}\n`;
    await this.ensureContainer();
    let segment = this.currentSegment ?? (await this.segments()).at(-1) ?? 1;
    for (let step = 0; step < MAX_SEGMENT_STEPS; ) {
      const blob = this.container.getAppendBlobClient(auditSegmentName(segment));
      try {
        await blob.appendBlock(line, Buffer.byteLength(line));
        this.currentSegment = segment;
        return record;
      } catch (err) {
        const { status, code } = statusOf(err);
        if (status === 404 && code === 'BlobNotFound') {
          // The first record of a segment; a concurrent creator is fine (IfNotExists).
          await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' } });
        } else if (status === 409 && (code === 'BlockCountExceedsLimit' || code === 'BlobIsSealed')) {
          segment += 1;
          step += 1;
        } else {
          throw err;
        }
      }
    }
    throw new Error(`Audit log: ${MAX_SEGMENT_STEPS} segments in a row refused the append (last: ${auditSegmentName(segment)}).`);
  }

  async readAudit(query: AuditQuery): Promise<AuditRecord[]> {
    checkAuditQuery(query);
    await this.ensureContainer();
    const found: AuditRecord[] = [];
    for (const segment of (await this.segments()).reverse()) {
      for await (const line of this.linesNewestFirst(auditSegmentName(segment))) {
        const record = parseAuditLine(line, segment);
        if (matchesAuditQuery(record, query)) found.push(record);
        if (found.length >= query.limit) return found;
      }
    }
    return found;
  }

  /** Segment numbers, oldest first. */
  private async segments(): Promise<number[]> {
    const numbers: number[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: 'audit/' })) {
      const match = SEGMENT.exec(blob.name);
      if (match?.[1]) numbers.push(Number(match[1]));
    }
    return numbers.sort((a, b) => a - b);
  }

  /** Complete lines of one segment, last first, fetched in ranges from the end (a segment can hold 50,000 records). */
  private async *linesNewestFirst(name: string): AsyncGenerator<string> {
    const blob = this.container.getBlobClient(name);
    const { contentLength = 0 } = await blob.getProperties();
    let end = contentLength;
    // Bytes of the line that straddles the previous (later) chunk's start; kept as bytes so a
    // UTF-8 character split between two ranges is decoded whole.
    let carry = Buffer.alloc(0);
    while (end > 0) {
      const start = Math.max(0, end - this.tailChunkBytes);
      const response = await blob.download(start, end - start);
      const buffer = Buffer.concat([await readStreamBytes(response.readableStreamBody), carry]);
      let complete = buffer;
      if (start > 0) {
        const firstNewline = buffer.indexOf(0x0a);
        carry = firstNewline < 0 ? buffer : buffer.subarray(0, firstNewline + 1);
        complete = firstNewline < 0 ? Buffer.alloc(0) : buffer.subarray(firstNewline + 1);
      }
      const lines = complete.toString('utf8').split('\n').filter((l) => l.length > 0);
      for (let i = lines.length - 1; i >= 0; i--) yield lines[i] as string;
      end = start;
    }
  }
}

function parseAuditLine(line: string, segment: number): AuditRecord {
  try {
    return JSON.parse(line) as AuditRecord;
  } catch {
    throw new Error(`Audit log: ${auditSegmentName(segment)} holds a line that is not JSON: ${line.slice(0, 80)}`);
  }
}

