/**
 * The closing line CI reads must report a failed run as failed, whatever failed: a test, a hook in a file whose tests
 * all passed, or an unhandled error.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const VITEST = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

function vitest(...files: string[]): Promise<{ code: number | null; lastLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--root', FIXTURES, ...files], { cwd: FIXTURES, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, lastLine: out.trimEnd().split('\n').at(-1) ?? '' }))
  })
}

describe('summary reporter', () => {
  it('counts passed and skipped tests of a green run', async () => {
    const run = await vitest('passes')
    expect(run.code).toBe(0)
    expect(run.lastLine).toBe('Tests: 1 passed, 0 failed, 1 skipped (failed: 0 tests, 0 files, 0 errors)')
  })

  it('counts a failed test, and a file whose afterAll threw while its test passed', async () => {
    const run = await vitest('fails', 'after-all-throws')
    expect(run.code).not.toBe(0)
    expect(run.lastLine).toBe('Tests: 1 passed, 2 failed, 0 skipped (failed: 1 tests, 2 files, 0 errors)')
  })

  it('counts an unhandled error although every test passed', async () => {
    const run = await vitest('unhandled')
    expect(run.code).not.toBe(0)
    expect(run.lastLine).toMatch(/^Tests: 1 passed, [1-9]\d* failed, 0 skipped \(failed: 0 tests, 0 files, [1-9]\d* errors\)$/)
  })
})
