/**
 * Starts Azurite's Blob service (the azurite dev dependency, in memory) on a free loopback port
 * for one test file, and stops it on close(), on this process's exit, and if this process dies
 * without either (the child exits when its stdin pipe closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Azurite's fixed development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const AZURITE_BLOB = fileURLToPath(new URL('../../node_modules/.bin/azurite-blob', import.meta.url));
const READY_LINE = /successfully listens on (http:\/\/\S+)/;
// Generous: only a hang should fail here. A tsx process on a loaded 2-core machine can take 30 s to listen.
const START_TIMEOUT_MS = 120_000;
// Preloaded into the Azurite process: exit when the test process's end of the stdin pipe closes,
// so a test worker killed by a signal leaves no Azurite behind.
const EXIT_WITH_PARENT = 'data:text/javascript,process.stdin.on("end",()=>process.exit(0));process.stdin.on("error",()=>process.exit(0));process.stdin.resume();';

export interface AzuriteForTest {
  connectionString: string;
  blobEndpoint: string;
  /** Milliseconds from spawn to "successfully listens". */
  startupMs: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port from the OS'))));
    });
  });
}

function waitUntilListening(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      output.push(chunk.toString('utf8'));
      const match = READY_LINE.exec(buffered);
      if (match?.[1]) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null): void =>
      fail(new Error(`Azurite exited before listening (code ${code}, signal ${signal})`));
    const fail = (err: Error): void => {
      cleanup();
      reject(new Error(`${err.message}:\n${output.join('').slice(-2000)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', onExit);
    child.once('error', fail);
  });
}

async function startOnce(): Promise<AzuriteForTest> {
  const port = await freePort();
  // Its working directory: anything Azurite writes beside its in-memory data lands there, not in the repo.
  const location = mkdtempSync(path.join(tmpdir(), 'td-azurite-'));
  const env = { ...process.env };
  delete env.AZURITE_ACCOUNTS; // keep the well-known account and key
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      EXIT_WITH_PARENT,
      AZURITE_BLOB,
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
    ],
    { cwd: location, env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const output: string[] = [];
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(location, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await waitUntilListening(child, output);
  } catch (err) {
    await stop();
    throw err;
  }
  const startupMs = Math.round(performance.now() - started);
  // Keep draining its output so a full pipe never stalls it.
  child.stdout?.resume();
  child.stderr?.resume();
  const blobEndpoint = `${url.replace(/\/$/, '')}/${AZURITE_ACCOUNT}`;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    blobEndpoint,
    startupMs,
    close: stop,
  };
}

/** Another process can take the free port between our probe and Azurite's bind: try a few ports. */
export async function startAzurite(): Promise<AzuriteForTest> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      lastError = err;
      if (!String(err).includes('EADDRINUSE')) throw err;
    }
  }
  throw lastError;
}
