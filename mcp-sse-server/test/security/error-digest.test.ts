/** Puppet error storms: one full line per distinct error, then one summary per window, whatever the volume. */
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { ErrorDigest } from '../../src/wechat/error-digest.js'

function memoryLogger(secrets: string[] = []) {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  return { logger: createLogger({ level: 'info', secrets, destination }), lines }
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ErrorDigest', () => {
  it('logs 10,000 repeats of an error as one line, then one summary per window', async () => {
    const { logger, lines } = memoryLogger()
    const digest = new ErrorDigest(logger, 60_000)
    for (let i = 0; i < 10_000; i++) digest.report(`synccheck failed: retcode 1101 == 0 (attempt ${i})`)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('WeChat puppet error') })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ repeats: 9_999, windowS: 60 })
    // A quiet window forgets the error; the timer stops; a later recurrence is logged in full again.
    await vi.advanceTimersByTimeAsync(60_000)
    expect(lines).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
    digest.report('synccheck failed: retcode 1101 == 0 (attempt 1)')
    expect(lines).toHaveLength(3)
    digest.stop()
  })

  it('keeps distinct errors apart and bounds the key', () => {
    const { logger, lines } = memoryLogger()
    const digest = new ErrorDigest(logger)
    digest.report('timeout')
    digest.report('ECONNRESET')
    digest.report('x'.repeat(100_000))
    digest.report('x'.repeat(100_001))
    expect(lines.map((l) => String(l.err).slice(0, 10))).toEqual(['timeout', 'ECONNRESET', 'xxxxxxxxxx'])
    digest.stop()
  })

  it('never writes a configured secret, even when the puppet error contains it', () => {
    const secret = 'puppet-token-0123456789abcdef'
    const { logger, lines } = memoryLogger([secret])
    const digest = new ErrorDigest(logger)
    digest.report(`login failed for token=${secret}`)
    expect(JSON.stringify(lines)).not.toContain(secret)
    expect(JSON.stringify(lines)).toContain('[REDACTED]')
    digest.stop()
  })
})
