import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import SlowFirst from './test/support/sequencer.js'

/**
 * Suites that start child processes (the server, the CLI, npm, a browser). Everything else runs in-process and is
 * the `unit` project: `npm run test:unit` is the inner loop, and `npm test` runs it first, then these.
 */
export const SPAWNING = [
  'test/e2e/**/*.test.ts',
  'test/deploy/**/*.test.ts',
  'test/bench-smoke.test.ts',
  'test/support/summary-reporter.test.ts',
  'test/security/account-safety.test.ts',
  'test/security/auth.test.ts',
  'test/security/bad-input.test.ts',
  'test/security/disk-faults.test.ts',
  'test/security/isolation.test.ts',
  'test/security/oauth-discovery.test.ts',
  'test/security/token-guesses.test.ts',
  'test/unit/fixture.test.ts',
  'test/unit/process-handlers.test.ts',
]

const cores = availableParallelism()

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    globalSetup: ['./test/support/build.ts'],
    sequence: { sequencer: SlowFirst },
    // One worker per core, whatever the machine: the unit project runs first and fills them; the e2e project
    // runs after it, each worker driving a child process of its own.
    poolOptions: { forks: { maxForks: cores, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: SPAWNING,
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Forks, not threads: some suites change process state (environment, signal handlers) threads would share.
          pool: 'forks',
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: SPAWNING,
          // Generous bounds, not performance claims: each suite awaits its children's readiness, and a loaded
          // machine may take a while to start them.
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
