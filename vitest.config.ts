import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{bridge,recorder,datasets,trainer,ui,bench}/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**'],
    // Tests start real servers and step real physics: generous per-test time,
    // but timing *thresholds* live in `npm run bench`, never here.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
