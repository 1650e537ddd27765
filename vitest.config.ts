import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites each start their own redis-server; a few at a time suits a 2-core machine.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
