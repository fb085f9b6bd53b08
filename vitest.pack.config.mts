import { defineConfig } from 'vitest/config'

// The packaging tests: they install the tarballs `npm run pack:local` made.
export default defineConfig({
  test: {
    include: ['__test__/**/*.pack.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
})
