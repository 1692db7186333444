/**
 * The audit log on its own: bounded lines, rotation by size, torn tails (written by a crash, and made by a real full
 * disk mid-write), and the failing/recovered state the sender and /health read.
 */
import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AUDIT_KEEP_FILES, AUDIT_MAX_LINE_BYTES, AuditLog } from '../../src/wechat/audit.js'
import { buildSender } from '../helpers/sender.js'
import { tempDir } from '../helpers/server.js'
import { mountTmpfs, mountUnavailable, type Tmpfs } from '../helpers/tmpfs.js'

const entry = (text: string, extra: Record<string, unknown> = {}) => ({ tool: 'sendMessageToFriend', target: { type: 'contact' as const, id: 'c1' }, text, ok: true, ...extra })
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

const logs: AuditLog[] = []
function open(dir: string, options?: ConstructorParameters<typeof AuditLog>[3]): AuditLog {
  const log = new AuditLog(dir, (t) => t, () => undefined, options)
  logs.push(log)
  return log
}
afterEach(() => {
  for (const log of logs.splice(0)) log.close()
})

describe('bounded lines', () => {
  it('a refused 99,000-character message writes one short line: its start, a marker, its length and digest', async () => {
    const { sender, auditLines } = buildSender()
    const text = '长'.repeat(99_000)
    const result = await sender.send({ tool: 'sendMessageToFriend', kind: 'contact', target: { name: '老张' }, text })
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' })
    const [line] = auditLines()
    expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(AUDIT_MAX_LINE_BYTES)
    expect(line.text).toMatch(/^长+…\[truncated\]$/)
    expect(line).toMatchObject({ ok: false, textChars: 99_000, textSha256: createHash('sha256').update(text).digest('hex') })
  })

  it('characters JSON escapes to six bytes, and long names and errors, still fit the line bound', async () => {
    const dir = tempDir()
    const log = open(dir)
    await log.record(entry('\u0001'.repeat(50_000), { target: { type: 'room', name: 'n'.repeat(10_000) }, ok: false, error: 'e'.repeat(50_000) }))
    const raw = readFileSync(path.join(dir, 'audit.jsonl'))
    expect(raw.length).toBeLessThanOrEqual(AUDIT_MAX_LINE_BYTES)
    const [line] = lines(path.join(dir, 'audit.jsonl'))
    expect(line).toMatchObject({ textChars: 50_000, ok: false })
    expect(String((line.target as { name: string }).name)).toMatch(/…\[truncated\]$/)
  })

  it('a message within the bound is kept whole, with no digest fields', async () => {
    const dir = tempDir()
    await open(dir).record(entry('hello 世界'))
    expect(lines(path.join(dir, 'audit.jsonl'))[0]).toEqual({ ts: expect.any(String), tool: 'sendMessageToFriend', target: { type: 'contact', id: 'c1' }, text: 'hello 世界', ok: true })
  })

  it('the sandbox marks every line it writes, refusals included, so real sends can be told apart', async () => {
    const dir = tempDir()
    const log = open(dir, { sandbox: true })
    await log.record(entry('sent to no one'))
    await log.record(entry('refused', { ok: false, error: 'not a friend' }))
    expect(lines(path.join(dir, 'audit.jsonl')).map((l) => [l.text, l.sandbox])).toEqual([
      ['sent to no one', true],
      ['refused', true],
    ])
  })
})

describe('rotation by size', () => {
  it(`keeps the live file under the limit and ${AUDIT_KEEP_FILES} older files, newest first`, async () => {
    const dir = tempDir()
    const log = open(dir, { maxBytes: 1000 })
    for (let i = 0; i < 60; i++) expect(await log.record(entry(`message ${i} `.padEnd(200, '.')))).toBe(true)
    const file = path.join(dir, 'audit.jsonl')
    expect(statSync(file).size).toBeLessThanOrEqual(1000)
    expect(existsSync(`${file}.${AUDIT_KEEP_FILES}`)).toBe(true)
    expect(existsSync(`${file}.${AUDIT_KEEP_FILES + 1}`)).toBe(false)
    // Reading oldest to newest gives the messages in order, with none missing after the oldest kept one.
    const all = [...Array.from({ length: AUDIT_KEEP_FILES }, (_, i) => `${file}.${AUDIT_KEEP_FILES - i}`), file].flatMap(lines)
    const numbers = all.map((l) => Number(/message (\d+)/.exec(String(l.text))![1]))
    expect(numbers.at(-1)).toBe(59)
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i))
  })
})

describe('a torn last line', () => {
  it('left by a crash is cut off and kept as a record of its own before the next line', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'audit.jsonl')
    const fragment = '{"ts":"2026-01-01T00:00:00.000Z","tool":"sendMessageToFriend","text":"cut he'
    writeFileSync(file, JSON.stringify(entry('whole')) + '\n' + fragment)
    await open(dir).record(entry('next'))
    const all = lines(file)
    expect(all.map((l) => l.text ?? l.event)).toEqual(['whole', 'torn_line_repaired', 'next'])
    expect(all[1]).toMatchObject({ bytes: fragment.length, fragment })
  })

  it.skipIf(mountUnavailable !== undefined)('made by a full disk mid-write is repaired before the next append, once there is room', async () => {
    const fs: Tmpfs = mountTmpfs(64)
    try {
      const log = open(fs.dir)
      const file = path.join(fs.dir, 'audit.jsonl')
      expect(await log.record(entry('first'))).toBe(true)
      const filler = fs.fill()
      // The line fits partly in the file's last 4 KB page: a real short write, then ENOSPC.
      expect(await log.record(entry('x'.repeat(6000)))).toBe(false)
      const torn = readFileSync(file, 'utf8')
      expect(torn.endsWith('\n')).toBe(false)
      expect(log.health).toMatchObject({ ok: false, error: 'no space left on device (ENOSPC)' })
      rmSync(filler)
      expect(await log.record(entry('after'))).toBe(true)
      // Only a line-sized probe declares the log healthy again (a short line may fit where a long one cannot).
      expect(log.health.ok).toBe(false)
      expect(await log.ensureWritable()).toBeUndefined()
      expect(log.health).toEqual({ ok: true })
      expect(lines(file).map((l) => l.text ?? l.event)).toEqual(['first', 'torn_line_repaired', 'after'])
    } finally {
      fs.unmount()
    }
  })
  it.skipIf(mountUnavailable === undefined)(`full-disk torn line: skipped, ${mountUnavailable}`, () => undefined)
})

describe('failing and recovering', () => {
  it('reports the cause once per episode, and recovers when a write succeeds again', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'audit.jsonl')
    const log = open(dir)
    const events: string[] = []
    log.on('failed', (cause) => events.push(`failed: ${cause}`))
    log.on('recovered', () => events.push('recovered'))
    mkdirSync(file)
    expect(await log.record(entry('one'))).toBe(false)
    expect(await log.ensureWritable()).toBe('the path is a directory (EISDIR)')
    expect(log.health).toMatchObject({ ok: false, error: 'the path is a directory (EISDIR)', since: expect.any(String) })
    rmSync(file, { recursive: true })
    expect(await log.ensureWritable()).toBeUndefined()
    expect(await log.record(entry('two'))).toBe(true)
    expect(events).toEqual(['failed: the path is a directory (EISDIR)', 'recovered'])
    appendFileSync(file, '')
    expect(lines(file).map((l) => l.text)).toEqual(['two'])
  })
})
