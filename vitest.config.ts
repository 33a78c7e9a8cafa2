import { defineConfig } from 'vitest/config';

// Two projects:
// - packages: unit tests of pure modules and integration tests over real Unix sockets
//   (run on Node 20 and Node 24 in CI);
// - cluster: multi-node tests with real processes in the test harness (loopback and netns):
//   test-harness/test and every package's test/cluster.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'packages',
          include: ['packages/*/test/**/*.test.ts'],
          exclude: ['packages/*/test/cluster/**'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test-harness/test/**/*.test.ts', 'packages/*/test/cluster/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
