/**
 * Runs the longest suites first, so the run does not end waiting on one long suite started last. Vitest orders by
 * the durations it cached from the last run; a fresh clone (CI) has none, and vitest would then start the largest
 * files first, which are not the slow ones. SLOW_FIRST names those, in that case only.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** The suites that take longest (a replayed Docker build, the quick benchmark, PM2, …), longest first. */
export const SLOW_FIRST = [
  'test/deploy/dockerfile.test.ts',
  'test/bench-smoke.test.ts',
  'test/deploy/pm2.test.ts',
  'test/e2e/process-manager.test.ts',
  'test/e2e/confirm.test.ts',
  'test/e2e/lifecycle.test.ts',
  'test/e2e/stdio-bridge.test.ts',
  'test/e2e/every-answer.test.ts',
  'test/e2e/notify-wechat.test.ts',
  'test/e2e/login-page.test.ts',
  'test/e2e/road-states.test.ts',
]

export default class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const cache = this.ctx.cache
    const known = sorted.every((f) => cache.getFileTestResults(`${f.project.name}:${this.relative(f)}`))
    if (known) return sorted
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(this.relative(f))
      return i === -1 ? SLOW_FIRST.length : i
    }
    return [...sorted].sort((a, b) => rank(a) - rank(b))
  }

  private relative(file: TestSpecification): string {
    return file.moduleId.slice(this.ctx.config.root.length + 1)
  }
}
