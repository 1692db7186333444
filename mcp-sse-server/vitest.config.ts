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
    // Two workers per core, whatever the machine (vitest shares one pool between the projects): the unit project
    // runs first and fills them; the e2e project runs after it, and its suites spend much of their time waiting on
    // the children they drive (a start, a login delay, a timeout, npm), so the cores stay busy meanwhile.
    poolOptions: { forks: { maxForks: cores * 2, minForks: 1 } },
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
          // A worker runs one suite after another without re-importing vitest, the SDK client and the helpers for
          // each: these suites keep their state in the children they start, and stop them in their own hooks.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
