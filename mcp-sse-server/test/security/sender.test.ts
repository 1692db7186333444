/** The send path with a fake WeChat: failures at WeChat are failures in the result and the audit log, never "sent". */
import { describe, expect, it } from 'vitest'
import type { SendRequest } from '../../src/wechat/sender.js'
import { sendText } from '../../src/wechat/send-text.js'
import { buildSender, type SenderHarnessOptions } from '../helpers/sender.js'

/** The limits these tests probe: 20 characters, so a long message is easy to write. */
const build = (options: SenderHarnessOptions = {}) => buildSender({ maxMessageChars: 20, ...options })

const toFriend = (name: string, text: string): SendRequest => ({ tool: 'sendMessageToFriend', kind: 'contact', target: { name }, text })

describe('Sender', () => {
  it('reports a send that WeChat rejects as failed, and audits it as failed, never as sent', async () => {
    const { sender, auditLines } = build({
      say: async () => {
        throw new Error('AppMsg send failed: ret=1205')
      },
    })
    const result = await sender.send(toFriend('老张', 'hello'))
    expect(result).toMatchObject({ ok: false, code: 'send_failed', target: { id: 'c1' } })
    expect(sendText(result)).toMatch(/failed at WeChat: "AppMsg send failed: ret=1205"\. It was not delivered/)
    // The audit line records the very sentence the tool answers with.
    expect(auditLines()).toEqual([
      expect.objectContaining({ tool: 'sendMessageToFriend', target: { type: 'contact', id: 'c1', name: '老张' }, text: 'hello', ok: false, error: sendText(result) }),
    ])
  })

  it('a failed send does not arm the repeat guard: the same text may be retried', async () => {
    let fail = true
    const { sender, said } = build({
      repeatWindowS: 60,
      say: async (kind, id, text) => {
        if (fail) throw new Error('network down')
        said.push({ kind, id, text })
      },
    })
    expect((await sender.send(toFriend('老张', 'retry me'))).ok).toBe(false)
    fail = false
    expect(await sender.send(toFriend('老张', 'retry me'))).toMatchObject({ ok: true })
    expect(said).toHaveLength(1)
    // …but a successful one does.
    expect(await sender.send(toFriend('老张', 'retry me'))).toMatchObject({ ok: false, code: 'repeat' })
  })

  it('a send that hangs up with a non-Error value is still a failure', async () => {
    const { sender, auditLines } = build({ say: () => Promise.reject('socket hang up') })
    expect(await sender.send(toFriend('Bob', 'x'))).toMatchObject({ ok: false, code: 'send_failed' })
    expect(auditLines()[0]).toMatchObject({ ok: false, error: expect.stringContaining('socket hang up') })
  })

  it('refuses when not logged in, naming where to log in, and audits it', async () => {
    const { sender, said, auditLines } = build({ loggedIn: false })
    const result = await sender.send(toFriend('老张', 'hi'))
    expect(result).toMatchObject({ ok: false, code: 'not_logged_in' })
    expect(sendText(result)).toContain('/login')
    expect(said).toEqual([])
    expect(auditLines()[0]).toMatchObject({ ok: false, error: expect.stringContaining('not logged in') })
  })

  it.each([
    ['', /empty/],
    [' \n\t ', /empty/],
    ['x'.repeat(21), /limit is 20 \(WECHAT_MAX_MESSAGE_CHARS\)/],
    ['\u200b\u200c\u200d\u2060\ufeff', /no visible text/],
    ['\u0007\u0000\u001b\u007f\u0085', /no visible text/],
    ['\u202e\u2066\u00ad\u034f\u3164\ufe0f\u{e0041}\u2800 \u3000', /no visible text/],
    ['\ud800', /lone UTF-16 surrogate, \\ud800, at position 0/],
    ['\udfff\ud800', /lone UTF-16 surrogate/],
    ['hello \udc00 world', /lone UTF-16 surrogate, \\udc00, at position 6/],
    ['ok 🌸 but \ud83c', /lone UTF-16 surrogate/],
  ])('refuses the message %j naming the limit', async (text, expected) => {
    const { sender, said, auditLines } = build()
    const result = await sender.send(toFriend('老张', text))
    expect(result).toMatchObject({ ok: false, code: 'invalid_message' })
    expect(sendText(result)).toMatch(expected)
    expect(said).toEqual([])
    expect(auditLines()[0]).toMatchObject({ ok: false, text })
  })

  it('text with visible characters among invisible ones, and joined emoji, still goes out', async () => {
    const { sender, said } = build()
    for (const text of ['\u200bhi\u200b', '👨\u200d👩\u200d👧', '\u202eabc', 'a\u0007']) {
      expect(await sender.send(toFriend('老张', text)), JSON.stringify(text)).toMatchObject({ ok: true })
    }
    expect(said).toHaveLength(4)
  })

  it('counts characters, not UTF-16 units: 20 emoji fit a 20-character limit', async () => {
    const { sender } = build()
    expect(await sender.send(toFriend('老张', '🌸'.repeat(20)))).toMatchObject({ ok: true })
  })

  it('allow-lists: others are refused naming the list; remarks, nicknames and filehelper pass', async () => {
    const { sender, said } = build({ allowedContacts: ['张三'], allowedRooms: ['家庭群'] })
    const refused = await sender.send(toFriend('Bob', 'hi'))
    expect(refused).toMatchObject({ ok: false, code: 'not_allowed' })
    expect(sendText(refused)).toContain('not on the allow-list (WECHAT_ALLOWED_CONTACTS)')
    expect(await sender.send(toFriend('老张', 'by remark'))).toMatchObject({ ok: true })
    expect(await sender.send({ tool: 'notify', kind: 'contact', target: { id: 'filehelper' }, text: 'note to self' })).toMatchObject({ ok: true })
    expect(await sender.send({ tool: 'sendMessageToRoom', kind: 'room', target: { name: '家庭群' }, text: 'hi all' })).toMatchObject({ ok: true })
    expect(said.map((s) => s.id)).toEqual(['c1', 'filehelper', 'r1'])
  })
})
