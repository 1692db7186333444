/**
 * The sender against the ways things go wrong in practice: names others can change, callers that give up while
 * their send waits, captions that fail, an audit log that cannot be written, an agent repeating itself.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ContactEntry } from '../../src/wechat/directory.js'
import { Pacer, SendAbandonedError } from '../../src/wechat/pacer.js'
import type { SendRequest } from '../../src/wechat/sender.js'
import { sendText } from '../../src/wechat/send-text.js'
import type { LoadedFile } from '../../src/wechat/files.js'
import { buildSender, type SenderHarnessOptions } from '../helpers/sender.js'
import { tempDir } from '../helpers/server.js'

function build(contacts: ContactEntry[], options: Omit<SenderHarnessOptions, 'contacts' | 'rooms'> = {}) {
  const rooms = [
    { id: 'r1', topic: '家庭群', memberCount: 3 },
    { id: 'r2', topic: 'Other', memberCount: 3 },
  ]
  const built = buildSender({ contacts, rooms, ...options })
  return { ...built, errors: built.auditErrors }
}

const byId = (id: string, text = 'hi'): SendRequest => ({ tool: 'sendMessageToFriend', kind: 'contact', target: { id }, text })

describe('allow-list entries are names that others can change', () => {
  it('a friend who takes an allowed name by nickname makes the entry ambiguous: neither is allowed', async () => {
    const { sender, said } = build(
      [
        { id: 'boss', name: 'Friendly', alias: '老板', friend: true },
        { id: 'impostor', name: '老板', friend: true },
      ],
      { allowedContacts: ['老板'] },
    )
    expect(await sender.send(byId('impostor'))).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(await sender.send(byId('boss'))).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(said).toEqual([])
  })

  it('once an entry matched one friend, it stays pinned to that friend for the login', async () => {
    const { sender, said, directory } = build([{ id: 'boss', name: 'Friendly', alias: '老板', friend: true }], { allowedContacts: ['老板'] })
    expect(await sender.send(byId('boss', 'first'))).toMatchObject({ ok: true })
    directory.upsertContact({ id: 'impostor', name: '老板', friend: true })
    expect(await sender.send(byId('impostor'))).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(await sender.send(byId('boss', 'second'))).toMatchObject({ ok: true })
    expect(said.map((s) => s.id)).toEqual(['boss', 'boss'])
    // A new login means new ids: the pin is dropped and the entry is looked up again.
    sender.forgetLogin()
    expect(await sender.send(byId('boss', 'third'))).toMatchObject({ ok: false, code: 'not_allowed' })
  })

  it('a group renamed to an allowed topic while the allowed one exists is refused', async () => {
    const { sender, directory } = build([], { allowedRooms: ['家庭群'] })
    directory.upsertRoom({ id: 'r2', topic: '家庭群', memberCount: 9 })
    const toRoom = (id: string): SendRequest => ({ tool: 'sendMessageToRoom', kind: 'room', target: { id }, text: 'x' })
    expect(await sender.send(toRoom('r2'))).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(await sender.send(toRoom('r1'))).toMatchObject({ ok: false, code: 'not_allowed' })
  })
})

describe('a caller that gives up while its send waits', () => {
  it('takes the send back: it never goes out, and is audited as not sent', async () => {
    const pacer = new Pacer({ minIntervalMs: 60_000, maxPerMinute: 1000, queueMax: 10, jitter: 0 })
    const { sender, said, auditLines } = build([{ id: 'a', name: 'Ann', friend: true }], { pacer })
    expect(await sender.send(byId('a', 'goes at once'))).toMatchObject({ ok: true })
    const controller = new AbortController()
    const waiting = sender.send(byId('a', 'waits a minute'), controller.signal)
    controller.abort()
    expect(await waiting).toMatchObject({ ok: false, code: 'cancelled' })
    expect(said.map((s) => s.text)).toEqual(['goes at once'])
    expect(pacer.pending).toBe(0)
    expect(auditLines().map((l) => [l.text, l.ok])).toEqual([
      ['goes at once', true],
      ['waits a minute', false],
    ])
  })

  it('the pacer drops an abandoned job and runs the rest in order', async () => {
    const pacer = new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax: 10 })
    const ran: string[] = []
    let release!: () => void
    const first = pacer.schedule(() => new Promise<void>((r) => (release = () => (ran.push('first'), r()))))
    const controller = new AbortController()
    const second = pacer.schedule(async () => void ran.push('second'), controller.signal)
    const third = pacer.schedule(async () => void ran.push('third'))
    controller.abort()
    await expect(second).rejects.toBeInstanceOf(SendAbandonedError)
    release()
    await Promise.all([first, third])
    expect(ran).toEqual(['first', 'third'])
  })
})

describe('file sends', () => {
  const loaded = (): LoadedFile => ({ name: 'a.pdf', size: 3, mediaType: 'application/pdf', source: '/x/a.pdf', file: {} as never })

  it('a caption that fails is audited as its own failed line, not as part of a sent file', async () => {
    let calls = 0
    const { sender, auditLines } = build([{ id: 'a', name: 'Ann', friend: true }], {
      say: async () => {
        if (++calls === 2) throw new Error('network down')
      },
    })
    const result = await sender.sendFile({ tool: 'sendFileToFriend', kind: 'contact', target: { id: 'a' }, source: '/x/a.pdf', caption: 'please approve', load: async () => loaded() })
    expect(result).toMatchObject({ ok: true })
    expect(result).toMatchObject({ caption: { ok: false, code: 'send_failed' } })
    expect(sendText(result)).toBe('Sent the file "a.pdf" to "Ann", but not its caption (sending to "Ann" failed at WeChat: "network down". It was not delivered.).')
    expect(auditLines()[1]).toMatchObject({ error: 'Not sent: sending to "Ann" failed at WeChat: "network down". It was not delivered.' })
    expect(auditLines().map((l) => [l.file ?? null, l.text, l.ok])).toEqual([
      ['a.pdf', '', true],
      [null, 'please approve', false],
    ])
  })

  it('nothing is downloaded when the queue is full', async () => {
    const pacer = new Pacer({ minIntervalMs: 60_000, maxPerMinute: 1000, queueMax: 1, jitter: 0 })
    const { sender } = build([{ id: 'a', name: 'Ann', friend: true }], { pacer })
    await sender.send(byId('a', 'one'))
    const queued = sender.send(byId('a', 'two'))
    let loads = 0
    const result = await sender.sendFile({ tool: 'sendFileToFriend', kind: 'contact', target: { id: 'a' }, source: 'x', load: async () => (loads++, loaded()) })
    expect(result).toMatchObject({ ok: false, code: 'queue_full' })
    expect(loads).toBe(0)
    void queued
  })
})

describe('the audit log', () => {
  it('a log that cannot be written stops every send: refused with the reason, nothing goes out', async () => {
    const file = path.join(tempDir(), 'not-a-directory')
    writeFileSync(file, '')
    const { sender, said, errors } = build([{ id: 'a', name: 'Ann', friend: true }], { dataDir: file })
    const first = await sender.send(byId('a', 'would be unrecorded'))
    expect(first).toMatchObject({ ok: false, code: 'audit_unavailable', detail: expect.stringContaining('a part of the path is a file, not a directory (ENOTDIR)') })
    expect(sendText(first)).toMatch(/^Not sent: the audit log \(DATA_DIR\/audit.jsonl\) cannot be written: /)
    expect(await sender.send(byId('a', 'and this'))).toMatchObject({ ok: false, code: 'audit_unavailable' })
    expect(said).toEqual([])
    expect(errors.length).toBeGreaterThan(0)
  })

  it('a log that breaks while WeChat takes the message: the truth (it went out, unrecorded), then no more sends', async () => {
    const dir = tempDir()
    const log = path.join(dir, 'audit.jsonl')
    const said: string[] = []
    const { sender } = build([{ id: 'a', name: 'Ann', friend: true }], {
      dataDir: dir,
      say: async (_kind, _id, text) => {
        said.push(String(text))
        if (said.length > 1) return
        rmSync(log, { force: true })
        mkdirSync(log)
      },
    })
    const result = await sender.send(byId('a', 'delivered'))
    expect(result).toMatchObject({ ok: true, auditProblem: expect.stringContaining('EISDIR') })
    expect(sendText(result)).toMatch(/^Sent to "Ann"\. But its audit line could not be written \(the path is a directory \(EISDIR\)\)/)
    expect(await sender.send(byId('a', 'next'))).toMatchObject({ ok: false, code: 'audit_unavailable' })
    expect(said).toEqual(['delivered'])
    rmSync(log, { recursive: true })
    writeFileSync(log, '')
    const fixed = await sender.send(byId('a', 'after the fix'))
    expect(fixed).not.toHaveProperty('auditProblem')
    expect(sendText(fixed)).toBe('Sent to "Ann".')
  })
})

describe('the repeat guard', () => {
  it('sees through case, spacing and normalisation form', async () => {
    const { sender, said } = build([{ id: 'a', name: 'Ann', friend: true }], { repeatWindowS: 60 })
    expect(await sender.send(byId('a', 'are you there?'))).toMatchObject({ ok: true })
    for (const variant of ['are you there? ', 'Are  you there?', 'ａｒｅ you there?']) {
      expect(await sender.send(byId('a', variant)), variant).toMatchObject({ ok: false, code: 'repeat' })
    }
    expect(said).toHaveLength(1)
  })
})

describe('file sends hold memory only a few at a time', () => {
  const file = (): LoadedFile => ({ name: 'big.pdf', size: 3, mediaType: 'application/pdf', source: '/x/big.pdf', file: {} as never })

  it('at most two files are prepared at once, and preparing ones count against the queue', async () => {
    const pacer = new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax: 4 })
    const { sender } = build([{ id: 'a', name: 'Ann', friend: true }], { pacer })
    let running = 0
    let most = 0
    const releases: Array<() => void> = []
    const load = () =>
      new Promise<LoadedFile>((resolve) => {
        running++
        most = Math.max(most, running)
        releases.push(() => {
          running--
          resolve(file())
        })
      })
    const send = (i: number) => sender.sendFile({ tool: 'sendFileToFriend', kind: 'contact', target: { id: 'a' }, source: `f${i}`, load })
    const tick = () => new Promise((r) => setImmediate(r))
    const sends = [0, 1, 2, 3].map(send)
    while (running < 2) await tick()
    // Four are being prepared (two loading, two waiting for a turn): the queue (max 4) has no room for a fifth.
    expect(await send(4)).toMatchObject({ ok: false, code: 'queue_full' })
    for (let released = 0; released < 4; released++) {
      while (releases.length === 0) await tick()
      releases.shift()!()
    }
    const results = await Promise.all(sends)
    expect(results.every((r) => r.ok)).toBe(true)
    expect(most).toBe(2)
  })
})
