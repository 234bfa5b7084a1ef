import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-temp.ts'],
    setupFiles: ['test/support/setup-temp-dirs.ts'],
    // Generous on purpose: a timeout here should only ever mean a hang, also on a loaded 2-core
    // machine; tests wait for events, and speed is measured by `npm run bench`.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores here and in CI: a few workers keep the servers each test file starts from starving.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
