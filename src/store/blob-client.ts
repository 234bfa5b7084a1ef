/**
 * The container client the Blob state store and audit log share, from the store configuration:
 * a connection string (Azurite, or a key / SAS), or the account URL with the bot's Entra
 * identity (DefaultAzureCredential: managed identity in Azure, az login on a laptop), which needs
 * the "Storage Blob Data Contributor" role on the container.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';

export interface BlobStoreLocation {
  connectionString?: string;
  accountUrl?: string;
  container: string;
}

export function containerClientFor(location: BlobStoreLocation): ContainerClient {
  const service = location.connectionString
    ? BlobServiceClient.fromConnectionString(location.connectionString)
    : location.accountUrl
      ? new BlobServiceClient(location.accountUrl, new DefaultAzureCredential())
      : undefined;
  if (!service) throw new TypeError('Blob store: give a connection string or an account URL.');
  return service.getContainerClient(location.container);
}

/** Creates the container once per client; a failure is not cached, so the next call retries. */
export function containerCreator(container: ContainerClient): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= container.createIfNotExists().then(
      () => undefined,
      (err: unknown) => {
        created = undefined;
        throw err;
      },
    );
    return created;
  };
}

export function statusOf(err: unknown): { status?: number; code?: string } {
  if (typeof err !== 'object' || err === null) return {};
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  return {
    status: typeof statusCode === 'number' ? statusCode : undefined,
    code: typeof code === 'string' ? code : undefined,
  };
}

/** Runs `task` over `items` with at most `limit` in flight; waits for all, then throws the first error. */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

export async function readStreamBytes(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
