/** `npm start`: configuration from the environment (and .env), then the bot. */
import { existsSync } from 'node:fs';
import { ConfigError, parseConfig } from './config.js';
import { createLogger } from './log.js';
import { startBot } from './start-bot.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = parseConfig(process.env);
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
        `! Anyone who can reach ${config.bindHost}:${config.port} can talk to this bot. Never deploy it like this.\n${line}\n`,
    );
  }
  const bot = await startBot(config, log);
  log.info('tunnel doctor listening', { url: bot.url, azure: config.azureMode, messages: `${bot.url}/api/messages` });
  process.stdout.write(`Tunnel Doctor is listening on ${bot.url}/api/messages${bot.sim ? ` (simulated Azure at ${bot.sim.url})` : ''}\n`);
  const stop = async (signal: string) => {
    log.info('shutting down', { signal });
    await bot.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`tunnel-doctor: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
