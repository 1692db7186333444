/** On a terminal the log is for a person; anywhere else it stays JSON for machines. Secrets are scrubbed either way. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { prettyLine } from '../../src/log-pretty.js'
import { createLogger } from '../../src/logger.js'

const tty = process.stdout.isTTY
afterEach(() => {
  process.stdout.isTTY = tty
  vi.restoreAllMocks()
})

function written(isTTY: boolean, log: (logger: ReturnType<typeof createLogger>) => void): string {
  process.stdout.isTTY = isTTY
  let out = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true))
  log(createLogger({ level: 'info', secrets: ['hunter2-secret'] }))
  return out
}

describe('log lines', () => {
  it('read as time, level, component, message and fields', () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 3, 4), component: 'notify', msg: 'channel off', channel: 'telegram', missing: ['TG_USER_ID'] }))
    expect(line).toMatch(/^\d\d:\d\d:\d\d WARN {2}notify: channel off {2}channel=telegram missing=\["TG_USER_ID"\]$/)
    expect(prettyLine('not json')).toBe('not json')
  })

  it('are readable on a terminal, with secrets scrubbed', () => {
    const out = written(true, (l) => l.warn({ component: 'x', detail: 'token hunter2-secret' }, 'careful'))
    expect(out).toMatch(/^\d\d:\d\d:\d\d WARN {2}x: careful {2}detail="token \[REDACTED\]"\n$/)
  })

  it('stay JSON when stdout is not a terminal', () => {
    const out = written(false, (l) => l.info({ component: 'x' }, 'hello hunter2-secret'))
    expect(JSON.parse(out)).toMatchObject({ level: 30, component: 'x', msg: 'hello [REDACTED]' })
  })
})
