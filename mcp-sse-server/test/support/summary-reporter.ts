/**
 * Prints the closing line CI reads to count tests ("Tests: N passed, N failed, N skipped"): vitest's own summary
 * is formatted for people.
 */
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') counts.passed++
        else if (state === 'failed') counts.failed++
        else counts.skipped++
      }
      // A file that failed to load has no tests to count, but it is a failure all the same.
      if (mod.state() === 'failed' && ![...mod.children.allTests()].length) counts.failed++
    }
    // After vitest's own summary, which it prints from the same hook: this stays the closing line.
    process.once('exit', () => process.stdout.write(`Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`))
  }
}
