/**
 * The one error a bad environment variable raises: it names the variable and what it should look
 * like, so the process stops with one actionable line. Its own module because every reader of a
 * config area (store, approval policy, telemetry, src/config.ts) throws it, and src/config.ts
 * imports those readers: the error living in config.ts made each of them an import cycle.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got?: string,
  ) {
    // Never echo a secret's value back: only its length.
    super(`${variable}${got === undefined ? ' is missing' : ` is "${got}"`}: ${expected}`);
    this.name = 'ConfigError';
  }
}
