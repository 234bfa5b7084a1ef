/**
 * Child-process entry for multi-instance tests: one bot, configured from this process's environment
 * exactly as `npm start` would be, announcing its URL on one stdout line the parent waits for.
 * Exits when the parent's end of the stdin pipe closes, so a killed test worker leaves no bot behind.
 */
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startBot } from '../../src/start-bot.js';

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

const config = parseConfig(process.env);
const bot = await startBot(config, createLogger(config.logLevel));
process.stdout.write(`BOT_LISTENING ${bot.url}\n`);
process.once('SIGTERM', () => void bot.close().then(() => process.exit(0)));
