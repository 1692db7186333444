/**
 * Prints the closing line CI reads ("Tests: N passed, N failed, N skipped (…)"): vitest's own summary is formatted
 * for people. "failed" is never 0 for a failed run: besides failed tests it counts each file that failed without a
 * failed test (it did not load, or a beforeAll/afterAll hook threw while its tests passed) and each unhandled error;
 * the parenthesis says how many of each.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node'

function fileFailed(mod: TestModule): boolean {
  // A hook that throws marks its suite (or the module) failed while every test in it may have passed.
  return mod.state() === 'failed' || mod.errors().length > 0 || [...mod.children.allSuites()].some((s) => s.state() === 'failed')
}

export function closingLine(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): string {
  let passed = 0
  let failedTests = 0
  let skipped = 0
  let failedFiles = 0
  let filesWithoutFailedTest = 0
  for (const mod of modules) {
    let failedHere = 0
    for (const test of mod.children.allTests()) {
      const state = test.result().state
      if (state === 'passed') passed++
      else if (state === 'failed') failedHere++
      else skipped++
    }
    failedTests += failedHere
    if (fileFailed(mod)) {
      failedFiles++
      if (!failedHere) filesWithoutFailedTest++
    }
  }
  const failed = failedTests + filesWithoutFailedTest + unhandledErrors.length
  return `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped (failed: ${failedTests} tests, ${failedFiles} files, ${unhandledErrors.length} errors)`
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const line = closingLine(modules, unhandledErrors)
    // After vitest's own summary, which it prints from the same hook: this stays the closing line.
    process.once('exit', () => process.stdout.write(`${line}\n`))
  }
}
