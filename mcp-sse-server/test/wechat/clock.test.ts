import { describe, expect, it } from 'vitest'
import { Stamps } from '../../src/wechat/clock.js'
import { Inbox } from '../../src/wechat/inbox.js'

describe('one clock for sends and messages', () => {
  it('a message kept in the same millisecond as a send is still after its sentAt', () => {
    // A clock that never moves: the worst case, everything within one millisecond.
    const stamps = new Stamps(() => Date.parse('2026-01-01T00:00:00Z'))
    const inbox = new Inbox({ perChat: 10, maxTotal: 100, stamps })
    const sentAt = new Date(stamps.next()).toISOString()
    inbox.add({ id: 'echo', chat: { type: 'contact', id: 'me', name: 'Me' }, sender: { id: 'self', name: 'Me', self: true }, type: 'text', text: 'sent' })
    inbox.add({ id: 'answer', chat: { type: 'contact', id: 'me', name: 'Me' }, sender: { id: 'o', name: 'Owner', self: false }, type: 'text', text: 'ok' })
    const after = inbox.recent('contact', 'me', { since: Date.parse(sentAt) })
    expect(after.map((m) => m.id)).toEqual(['echo', 'answer'])
    expect(after.every((m) => m.time > sentAt)).toBe(true)
  })

  it('an inbox and a sender with clocks of their own could tie, which is why compose.ts shares one', () => {
    const now = () => Date.parse('2026-01-01T00:00:00Z')
    const sentAt = new Stamps(now).next()
    const inbox = new Inbox({ perChat: 10, maxTotal: 100, now })
    inbox.add({ id: 'echo', chat: { type: 'contact', id: 'me', name: 'Me' }, sender: { id: 'self', name: 'Me', self: true }, type: 'text', text: 'sent' })
    expect(inbox.recent('contact', 'me', { since: sentAt })).toEqual([])
  })
})
