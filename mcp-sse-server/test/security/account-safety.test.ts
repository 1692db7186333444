/**
 * What the agent may do, through real MCP clients on the running server: pacing of a burst across both transports
 * (spacing, none lost, overflow refused), the repeat guard, message limits, the allow-lists and READ_ONLY. Every
 * refusal is checked in the audit log too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { call, connect, text, TRANSPORTS, type TransportKind } from '../helpers/clients.js'

const INTERVAL_MS = 300
const QUEUE_MAX = 3
const MAX_CHARS = 50

describe('paced, guarded and allow-listed sends', () => {
  let server: RunningServer
  const clients = {} as Record<TransportKind, Client>
  const audit = (text: string) => server.auditLines().filter((l) => l.text === text)

  beforeAll(async () => {
    server = await startServer({
      WECHAT_SEND_MIN_INTERVAL_MS: String(INTERVAL_MS),
      WECHAT_SEND_MAX_PER_MINUTE: '100',
      WECHAT_SEND_QUEUE_MAX: String(QUEUE_MAX),
      WECHAT_REPEAT_WINDOW_S: '60',
      WECHAT_MAX_MESSAGE_CHARS: String(MAX_CHARS),
      WECHAT_ALLOWED_CONTACTS: '老张, Bob ,Emma',
      WECHAT_ALLOWED_ROOMS: '家庭群',
    })
    for (const kind of TRANSPORTS) clients[kind] = await connect(server.url, kind)
  })
  afterAll(async () => {
    for (const c of Object.values(clients)) await c?.close()
    await server?.stop()
  })

  it('a burst from both transports goes out one by one, ≥ the interval apart; none lost; overflow refused with "slow down"', async () => {
    const N = 12
    const texts = Array.from({ length: N }, (_, i) => `burst ${i}`)
    const results = await Promise.all(texts.map((t, i) => call(clients[TRANSPORTS[i % 2]], 'sendMessageToFriend', { nickname: '老张', message: t })))

    const sent = texts.filter((_, i) => !results[i].isError)
    const refused = texts.filter((_, i) => results[i].isError)
    // One in flight plus a full queue always gets through; the rest of a burst this size cannot all fit.
    expect(sent.length).toBeGreaterThanOrEqual(1 + QUEUE_MAX)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    for (const [i, r] of results.entries()) {
      if (!r.isError) expect(r.structuredContent).toMatchObject({ sent: true, target: { name: '老张' } })
      else {
        expect(r.structuredContent, texts[i]).toMatchObject({ sent: false, error: 'queue_full' })
        expect(text(r)).toMatch(/queue is full \(3 sends waiting\); slow down/)
      }
    }

    // The audit log has exactly one line per attempt: sends as sent, overflow as refused.
    for (const t of sent) expect(audit(t), t).toEqual([expect.objectContaining({ ok: true, target: expect.objectContaining({ type: 'contact', name: '老张' }) })])
    for (const t of refused) expect(audit(t), t).toEqual([expect.objectContaining({ ok: false, error: expect.stringContaining('slow down') })])

    // Sent one at a time, in the order the log records them, each at least the interval after the previous one.
    const sentLines = server.auditLines().filter((l) => String(l.text).startsWith('burst ') && l.ok === true)
    const times = sentLines.map((l) => Date.parse(String(l.ts)))
    expect(times).toEqual([...times].sort((a, b) => a - b))
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1], `gap ${i}`).toBeGreaterThanOrEqual(INTERVAL_MS)
  })

  it('the same text to the same target again within WECHAT_REPEAT_WINDOW_S is refused as a loop (the same text elsewhere is not)', async () => {
    const first = await call(clients.sse, 'sendMessageToFriend', { nickname: 'Bob', message: 'are you there?' })
    expect(first.isError).toBeFalsy()
    for (const kind of TRANSPORTS) {
      const again = await call(clients[kind], 'sendMessageToFriend', { nickname: 'bob', message: 'are you there?' })
      expect(again.isError).toBe(true)
      expect(again.structuredContent).toMatchObject({ sent: false, error: 'repeat' })
      expect(text(again)).toMatch(/same text already went to "Bob" within the last 60 s.*loop/)
    }
    const elsewhere = await call(clients.streamableHttp, 'sendMessageToFriend', { nickname: 'Emma', message: 'are you there?' })
    expect(elsewhere.isError).toBeFalsy()
    const lines = audit('are you there?')
    expect(lines.map((l) => [l.ok, (l.target as { name: string }).name])).toEqual([
      [true, 'Bob'],
      [false, 'Bob'],
      [false, 'Bob'],
      [true, 'Emma'],
    ])
    expect(lines[1].error).toMatch(/loop/)
  })

  it.each([
    ['empty', '', /the message is empty/],
    ['whitespace only', ' \n\t\u3000 ', /the message is empty/],
    ['one over the limit', 'x'.repeat(MAX_CHARS + 1), /has 51 characters; the limit is 50 \(WECHAT_MAX_MESSAGE_CHARS\)/],
  ])('a %s message is refused naming the limit, and audited', async (_label, message, expected) => {
    for (const kind of TRANSPORTS) {
      const result = await call(clients[kind], 'sendMessageToRoom', { topic: '家庭群', message })
      expect(result.isError).toBe(true)
      expect(result.structuredContent).toMatchObject({ sent: false, error: 'invalid_message' })
      expect(text(result)).toMatch(expected)
    }
    const lines = audit(message)
    expect(lines).toHaveLength(2)
    for (const l of lines) expect(l).toMatchObject({ ok: false, tool: 'sendMessageToRoom', error: expect.stringMatching(expected) })
  })

  it('a message longer than any limit the schema allows is a validation error, not a crash', async () => {
    for (const kind of TRANSPORTS) {
      let result: CallToolResult | undefined
      try {
        result = await call(clients[kind], 'sendMessageToFriend', { nickname: '老张', message: 'y'.repeat(200_001) })
      } catch (err) {
        expect(String(err)).toMatch(/-32602|Invalid/i)
      }
      if (result) {
        expect(result.isError).toBe(true)
        expect(text(result)).toMatch(/Input validation error|too_big|at most/i)
      }
    }
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
  })

  it('the allow-lists refuse anyone else, say so, and audit it; find tools still work; filehelper is always allowed', async () => {
    for (const kind of TRANSPORTS) {
      const friend = await call(clients[kind], 'sendMessageToFriend', { nickname: '李四', message: `not allowed via ${kind}` })
      expect(friend.isError).toBe(true)
      expect(friend.structuredContent).toMatchObject({ sent: false, error: 'not_allowed', target: { name: '四哥' } })
      expect(text(friend)).toMatch(/"四哥" is not on the allow-list \(WECHAT_ALLOWED_CONTACTS\)/)
      expect(audit(`not allowed via ${kind}`)).toEqual([expect.objectContaining({ ok: false, error: expect.stringContaining('not on the allow-list') })])

      const room = await call(clients[kind], 'sendMessageToRoom', { topic: 'Project Apollo', message: `room not allowed via ${kind}` })
      expect(room.structuredContent).toMatchObject({ sent: false, error: 'not_allowed' })
      expect(text(room)).toMatch(/not on the allow-list \(WECHAT_ALLOWED_ROOMS\)/)
      expect(audit(`room not allowed via ${kind}`)).toEqual([expect.objectContaining({ ok: false })])

      const found = await call(clients[kind], 'findFriend', { nickname: '李四' })
      expect(found.isError).toBeFalsy()
      expect(found.structuredContent).toMatchObject({ friends: [{ name: '李四', alias: '四哥' }] })
      expect((await call(clients[kind], 'findRoom', { topic: 'Apollo' })).structuredContent).toMatchObject({ rooms: [{ topic: 'Project Apollo' }] })
    }
    // Listed by remark (老张) reaches 张三 by nickname too; the user's own File Transfer is always allowed.
    expect((await call(clients.sse, 'sendMessageToFriend', { nickname: '张三', message: 'by nickname' })).isError).toBeFalsy()
    const self = await call(clients.streamableHttp, 'sendMessageToFriend', { id: 'filehelper', message: 'note to self' })
    expect(self.isError).toBeFalsy()
    expect(audit('note to self')).toEqual([expect.objectContaining({ ok: true, target: expect.objectContaining({ id: 'filehelper' }) })])
  })
})

describe('READ_ONLY=true', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ READ_ONLY: 'true' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it.each(TRANSPORTS)('over %s: no tool that sends is listed or callable; find tools work; nothing is sent', async (kind) => {
    const client = await connect(server.url, kind)
    const { tools } = await client.listTools()
    const names = tools.map((t) => t.name)
    expect(names).toEqual(expect.arrayContaining(['getLoginStatus', 'findFriend', 'findRoom']))
    expect(names.filter((n) => /^(send|notify)/.test(n))).toEqual([])
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true)
    expect((await call(client, 'findFriend', { nickname: '老张' })).structuredContent).toMatchObject({ exactCount: 1 })
    expect((await call(client, 'findRoom', { topic: '家庭群' })).structuredContent).toMatchObject({ exactCount: 1 })
    let refusal: string
    try {
      const result = await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'read-only breach' })
      expect(result.isError).toBe(true)
      refusal = text(result)
    } catch (err) {
      refusal = String(err)
    }
    expect(refusal).toMatch(/sendMessageToFriend not found|not found/i)
    expect(server.auditLines()).toEqual([])
    await client.close()
  })
})
