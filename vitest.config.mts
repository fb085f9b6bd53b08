import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    // Native addons can crash under worker threads; separate processes are safe.
    pool: 'forks',
    // Memory tests call gc() so their figures do not depend on when V8 collects.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
    server: {
      // The tests load the built package (dist/ and the native binding) as Node
      // does, untransformed: that is what users get.
      deps: { external: [/\/dist\//, /\/native\//] },
    },
  },
})
