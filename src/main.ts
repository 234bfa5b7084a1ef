/** `npm start`: configuration from the environment (and .env), then the bot. */
import { existsSync } from 'node:fs';
import { assertSafeToServe, parseConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { createLogger } from './log.js';
import { startBot } from './start-bot.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = parseConfig(process.env);
    assertSafeToServe(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tunnel-doctor: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (!config.bot.appId) {
    const line = '!'.repeat(78);
    process.stderr.write(
      `${line}\n! LOCAL MODE: MicrosoftAppId is empty, so Bot Framework authentication is OFF.\n` +
        `! Anyone who can reach ${config.bindHost}${config.port ? `:${config.port}` : ''} can talk to this bot. Never deploy it like this.\n${line}\n`,
    );
  }
  const bot = await startBot(config, log);
  log.info('tunnel doctor listening', { url: bot.url, azure: config.azureMode, messages: `${bot.url}/api/messages` });
  process.stdout.write(`Tunnel Doctor is listening on ${bot.url}/api/messages${bot.sim ? ` (simulated Azure at ${bot.sim.url})` : ''}\n`);
  // The chat page exists exactly where start-bot mounts it: local mode without an app id.
  if (config.local && !config.bot.appId) process.stdout.write(`Chat with it in your browser: ${bot.url}/\n`);
  const graceMs = config.shutdownGraceSeconds * 1000;
  let stopping = false;
  /**
   * SIGTERM (Container Apps, Kubernetes, docker stop) or SIGINT (Ctrl+C): stop taking requests, let
   * running diagnoses and executions finish within SHUTDOWN_GRACE_SECONDS, mark what still executes
   * interrupted, close the store, exit 0. The host sends SIGKILL after its own grace period (30 s on
   * Container Apps), so a watchdog exits shortly after ours if closing itself hangs.
   */
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl+C: the operator does not want to wait.
      process.stderr.write(`tunnel-doctor: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down: no new requests; waiting for running work', { signal, graceSeconds: config.shutdownGraceSeconds, running: 'diagnoses and executions' });
    setTimeout(() => {
      process.stderr.write('tunnel-doctor: shutdown did not complete in time, exiting\n');
      process.exit(1);
    }, graceMs + 4_000).unref();
    bot.shutdown(graceMs).then(
      (summary) => {
        if (summary.interrupted.length > 0 || !summary.drained) log.warn('stopped with unfinished work', { ...summary });
        else log.info('stopped cleanly', { ...summary });
        const dropped = summary.droppedDiagnoses > 0 ? `; ${summary.droppedDiagnoses} queued diagnosis(es) dropped, never started` : '';
        process.stdout.write(`Tunnel Doctor stopped (${summary.drained ? 'all work finished' : `${summary.unfinished} unfinished, ${summary.interrupted.length} fix execution(s) marked interrupted`}${dropped}).\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`tunnel-doctor: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`tunnel-doctor: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
