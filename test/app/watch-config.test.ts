import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-error.js';

describe('WATCH_TICK_SECONDS', () => {
  it('defaults to 30 seconds and reads whole seconds from 1 to 300', () => {
    expect(parseConfig({}).watch.tickSeconds).toBe(30);
    expect(parseConfig({ WATCH_TICK_SECONDS: '1' }).watch.tickSeconds).toBe(1);
    expect(parseConfig({ WATCH_TICK_SECONDS: ' 300 ' }).watch.tickSeconds).toBe(300);
  });

  it.each(['0', '301', '1.5', '-1', 'often'])('refuses %s, naming the variable', (value) => {
    expect(() => parseConfig({ WATCH_TICK_SECONDS: value })).toThrow(ConfigError);
    expect(() => parseConfig({ WATCH_TICK_SECONDS: value })).toThrow(/WATCH_TICK_SECONDS.*1 to 300/);
  });
});
