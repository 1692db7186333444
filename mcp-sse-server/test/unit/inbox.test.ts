import { describe, expect, it } from 'vitest'
import { Inbox, type InboxMessage } from '../../src/wechat/inbox.js'

/** A clock the test moves by hand: message times are exact, nothing sleeps. */
function clock(start = Date.parse('2025-01-01T00:00:00Z')) {
  let now = start
  return { now: () => now, tick: (ms = 1000) => (now += ms) }
}

let seq = 0
function msg(chatId: string, from: string, text: string, type: 'contact' | 'room' = 'contact'): Omit<InboxMessage, 'time'> {
  return {
    id: `m${++seq}`,
    chat: { type, id: chatId, name: chatId.toUpperCase() },
    sender: { id: from, name: from, self: from === 'me' },
    type: 'text',
    text,
  }
}

describe('Inbox bounds', () => {
  it('keeps the newest perChat messages of a chat under a flood, oldest first', () => {
    const inbox = new Inbox({ perChat: 5, maxTotal: 1000 })
    for (let i = 0; i < 10_000; i++) inbox.add(msg('alice', 'alice', `n${i}`))
    expect(inbox.size).toBe(5)
    expect(inbox.recent('contact', 'alice').map((m) => m.text)).toEqual(['n9995', 'n9996', 'n9997', 'n9998', 'n9999'])
  })

  it('keeps the total bounded, evicting from the least recently active chats first', () => {
    const inbox = new Inbox({ perChat: 100, maxTotal: 10 })
    for (let i = 0; i < 4; i++) inbox.add(msg('old', 'old', `o${i}`))
    for (let i = 0; i < 4; i++) inbox.add(msg('mid', 'mid', `m${i}`))
    for (let i = 0; i < 4; i++) inbox.add(msg('new', 'new', `n${i}`))
    expect(inbox.size).toBe(10)
    // Two over the bound: the two oldest messages of the least recently active chat went.
    expect(inbox.recent('contact', 'old').map((m) => m.text)).toEqual(['o2', 'o3'])
    expect(inbox.recent('contact', 'new')).toHaveLength(4)
    // A flood into one chat empties the idle ones entirely before touching itself.
    for (let i = 0; i < 10_000; i++) inbox.add(msg('flood', 'flood', `f${i}`))
    expect(inbox.size).toBe(10)
    expect(inbox.chatsByActivity().map((c) => c.chat.id)).toEqual(['flood'])
    expect(inbox.recent('contact', 'flood').map((m) => m.text)[0]).toBe('f9990')
  })

  it('holds many chats within the total under a flood spread over them', () => {
    const inbox = new Inbox({ perChat: 50, maxTotal: 1_000 })
    for (let i = 0; i < 50_000; i++) inbox.add(msg(`c${i % 997}`, `c${i % 997}`, `x${i}`))
    expect(inbox.size).toBe(1_000)
    const summed = inbox.chatsByActivity().reduce((n, c) => n + c.kept, 0)
    expect(summed).toBe(1_000)
    for (const c of inbox.chatsByActivity()) expect(c.kept).toBeLessThanOrEqual(50)
  })
})

describe('Inbox reading', () => {
  it('gives unique increasing times, limits to the newest, and filters with since', () => {
    const t = clock()
    const inbox = new Inbox({ perChat: 100, maxTotal: 1000, now: t.now })
    const a = inbox.add(msg('bob', 'bob', 'one'))
    const b = inbox.add(msg('bob', 'me', 'two')) // same millisecond: still a later time
    t.tick()
    const c = inbox.add(msg('bob', 'bob', 'three'))
    expect(Date.parse(b.time)).toBeGreaterThan(Date.parse(a.time))
    expect(inbox.recent('contact', 'bob', { limit: 2 }).map((m) => m.text)).toEqual(['two', 'three'])
    expect(inbox.recent('contact', 'bob', { since: Date.parse(a.time) }).map((m) => m.text)).toEqual(['two', 'three'])
    expect(inbox.recent('contact', 'bob', { since: Date.parse(c.time) })).toEqual([])
    expect(inbox.recent('room', 'bob')).toEqual([])
  })

  it('lists chats newest first with unread counts of messages from others', () => {
    const inbox = new Inbox({ perChat: 100, maxTotal: 1000 })
    inbox.add(msg('ann', 'ann', 'hi'))
    inbox.add(msg('ann', 'ann', 'are you there?'))
    inbox.add(msg('fam', 'mom', 'dinner', 'room'))
    inbox.add(msg('fam', 'me', 'coming', 'room'))
    expect(inbox.chatsByActivity().map((c) => [c.chat.id, c.unread, c.lastMessage.text])).toEqual([
      ['fam', 1, 'coming'],
      ['ann', 2, 'are you there?'],
    ])
    inbox.markSeen('contact', 'ann')
    expect(inbox.chatsByActivity(1)).toHaveLength(1)
    expect(inbox.chatsByActivity().find((c) => c.chat.id === 'ann')!.unread).toBe(0)
    const seenUpTo = inbox.add(msg('ann', 'ann', 'hello?'))
    inbox.add(msg('ann', 'ann', 'ok bye'))
    inbox.markSeen('contact', 'ann', Date.parse(seenUpTo.time))
    expect(inbox.chatsByActivity().find((c) => c.chat.id === 'ann')!.unread).toBe(1)
  })

  it('clears everything on logout', () => {
    const inbox = new Inbox({ perChat: 10, maxTotal: 100 })
    inbox.add(msg('ann', 'ann', 'hi'))
    inbox.clear()
    expect(inbox.size).toBe(0)
    expect(inbox.chatsByActivity()).toEqual([])
  })

  it('keeps the one chat it is told to (the owner\'s "me"), its waiters included, and its size in the bounds', async () => {
    const inbox = new Inbox({ perChat: 10, maxTotal: 100 })
    const hi = inbox.add(msg('ann', 'ann', 'hi'))
    const yes = inbox.add(msg('me', 'owner', 'yes'))
    const bytesOfMe = inbox.sizeBytes
    const annWait = inbox.waitFor('contact', 'ann', Date.parse(hi.time))
    const meWait = inbox.waitFor('contact', 'me', Date.parse(yes.time))
    inbox.clear({ type: 'contact', id: 'me' })
    expect(await annWait).toEqual({ kind: 'cleared' })
    expect(inbox.size).toBe(1)
    expect(inbox.sizeBytes).toBeLessThan(bytesOfMe)
    expect(inbox.chatsByActivity().map((c) => c.chat.id)).toEqual(['me'])
    expect(inbox.waiting).toBe(1)
    inbox.add(msg('me', 'owner', 'still here'))
    expect(await meWait).toMatchObject({ kind: 'message', message: { text: 'still here' } })
  })
})

describe('Inbox waiters', () => {
  it('resolves with the first message from someone else in that chat, not own messages or other chats', async () => {
    const inbox = new Inbox({ perChat: 10, maxTotal: 100 })
    const waiting = inbox.waitFor('contact', 'ann', 0)
    expect(inbox.waiting).toBe(1)
    inbox.add(msg('ann', 'me', 'question?'))
    inbox.add(msg('bob', 'bob', 'unrelated'))
    inbox.add(msg('ann', 'ann', 'room', 'room')) // same id, but a room: another chat
    expect(inbox.waiting).toBe(1)
    inbox.add(msg('ann', 'ann', 'yes'))
    const outcome = await waiting
    expect(outcome).toMatchObject({ kind: 'message', message: { text: 'yes', sender: { id: 'ann' } } })
    expect(inbox.waiting).toBe(0)
  })

  it('answers at once from what is kept after since, and only after since', async () => {
    const t = clock()
    const inbox = new Inbox({ perChat: 10, maxTotal: 100, now: t.now })
    const early = inbox.add(msg('ann', 'ann', 'early'))
    t.tick()
    const later = inbox.add(msg('ann', 'ann', 'later'))
    expect(await inbox.waitFor('contact', 'ann', Date.parse(early.time))).toMatchObject({ kind: 'message', message: { text: 'later' } })
    const pending = inbox.waitFor('contact', 'ann', Date.parse(later.time))
    expect(inbox.waiting).toBe(1)
    inbox.add(msg('ann', 'ann', 'newest'))
    expect(await pending).toMatchObject({ kind: 'message', message: { text: 'newest' } })
  })

  it('removes an aborted waiter and leaves the others waiting', async () => {
    const inbox = new Inbox({ perChat: 10, maxTotal: 100 })
    const controller = new AbortController()
    const cancelled = inbox.waitFor('contact', 'ann', 0, controller.signal)
    const other = inbox.waitFor('contact', 'ann', 0)
    expect(inbox.waiting).toBe(2)
    controller.abort()
    expect(await cancelled).toEqual({ kind: 'aborted' })
    expect(inbox.waiting).toBe(1)
    inbox.add(msg('ann', 'ann', 'hi'))
    expect(await other).toMatchObject({ kind: 'message' })
    expect(inbox.waiting).toBe(0)
    expect(await inbox.waitFor('contact', 'x', Date.now() + 1e6, AbortSignal.abort())).toEqual({ kind: 'aborted' })
    expect(inbox.waiting).toBe(0)
  })

  it('wakes exactly the right waiter among thousands, and releases all on clear', async () => {
    const inbox = new Inbox({ perChat: 10, maxTotal: 100 })
    const settled = new Set<number>()
    const waits = Array.from({ length: 5000 }, (_, i) => inbox.waitFor('contact', `c${i}`, 0).then((o) => (settled.add(i), o)))
    expect(inbox.waiting).toBe(5000)
    inbox.add(msg('c1234', 'c1234', 'me!'))
    expect(await waits[1234]).toMatchObject({ kind: 'message', message: { text: 'me!' } })
    expect([...settled]).toEqual([1234])
    expect(inbox.waiting).toBe(4999)
    inbox.clear()
    expect(await waits[0]).toEqual({ kind: 'cleared' })
    expect(inbox.waiting).toBe(0)
  })
})
