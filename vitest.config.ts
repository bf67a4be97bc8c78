import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts a real S3-compatible server (fauxqs) on 127.0.0.1 for the whole run.
    globalSetup: ['test/support/s3-global-setup.ts'],
    // One fixed fast-check seed for every property test (FC_SEED=random explores).
    setupFiles: ['test/support/fast-check-seed.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
