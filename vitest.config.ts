import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{api,worker,builder,core,scripts,test,infra,site}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'site/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Logs of passing tests are noise; a failing test shows everything it printed.
    silent: 'passed-only',
  },
});
