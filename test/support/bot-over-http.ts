/**
 * The bot over real HTTP for one test file, as most transport tests need it: a fake Bot Framework
 * connector on loopback (where replies sent after a turn and card updates arrive) and
 * startBot(parseConfig(env)) pointed at nothing else, started in beforeAll and closed in afterAll,
 * bot first so its last posts still reach the connector.
 */
import { afterAll, beforeAll } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startBot, type RunningBot, type StartOptions } from '../../src/start-bot.js';
import { startFakeConnector, type FakeConnector, type FakeConnectorOptions } from './fake-connector.js';

export interface BotOverHttpOptions {
  /** Default: silent. */
  log?: Logger;
  /** The fake connector's options (faults); false: no connector, replies come only in the turn. */
  connector?: FakeConnectorOptions | false;
  start?: StartOptions;
}

export interface BotOverHttp {
  readonly bot: RunningBot;
  /** Throws when the options said `connector: false`. */
  readonly connector: FakeConnector;
}

export function botOverHttp(env: Record<string, string>, opts: BotOverHttpOptions = {}): BotOverHttp {
  let bot: RunningBot | undefined;
  let connector: FakeConnector | undefined;
  beforeAll(async () => {
    if (opts.connector !== false) connector = await startFakeConnector(opts.connector ?? {});
    bot = await startBot(parseConfig(env), opts.log ?? silentLogger, opts.start ?? {});
  });
  afterAll(async () => {
    await bot?.close();
    await connector?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not running: use it inside a test, after beforeAll`);
    return value;
  };
  return {
    get bot() {
      return started(bot, 'the bot');
    },
    get connector() {
      return started(connector, 'the fake connector');
    },
  };
}
