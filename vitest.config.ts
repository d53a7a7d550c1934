import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Process-crossing tests each start their own nats-server on a free port; two workers
    // match the two cores of the target machines.
    maxWorkers: 2,
    setupFiles: ['reflect-metadata'],
  },
});
