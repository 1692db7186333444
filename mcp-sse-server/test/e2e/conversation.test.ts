/**
 * The conversation loop through real MCP clients on both transports: send, wait for the answer (given by a sandbox
 * inbound message), read it back; timeouts, progress, cancellation, and many waits at once.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, openClient, structured, text, TRANSPORTS, type TransportKind } from '../helpers/clients.js'
import { inbound, nextLog } from '../helpers/conversation.js'
import { rawSession, rpc } from '../helpers/raw-mcp.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const CROWD = 200
const fixture = {
  self: { name: 'Me' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-alice', name: 'Alice' },
    { id: 'c-bob', name: 'Bob' },
    { id: 'c-carol', name: 'Carol' },
    { id: 'c-dave', name: 'Dave' },
    ...Array.from({ length: CROWD }, (_, i) => ({ id: `w-${i}`, name: `Waiter ${i}` })),
  ],
  rooms: [
    { id: 'r-sse@chatroom', topic: 'Family sse', members: ['c-zhang', 'c-bob'] },
    { id: 'r-streamableHttp@chatroom', topic: 'Family streamableHttp', members: ['c-alice', 'c-bob'] },
  ],
}

/** Each transport talks to its own people, so one server serves both runs without their messages mixing. */
const PEOPLE: Record<TransportKind, { nickname: string; from: string; id: string; other: string; otherId: string; room: string }> = {
  sse: { nickname: '老张', from: '张三', id: 'c-zhang', other: 'Carol', otherId: 'c-carol', room: 'Family sse' },
  streamableHttp: { nickname: 'Alice', from: 'Alice', id: 'c-alice', other: 'Dave', otherId: 'c-dave', room: 'Family streamableHttp' },
}

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), LOG_LEVEL: 'debug', WECHAT_WAIT_PROGRESS_S: '1' })
})
afterAll(async () => {
  await server?.stop()
})

async function post(body: { from: string; room?: string; text: string }): Promise<void> {
  const res = await inbound(server, body)
  expect(res.status, await res.clone().text()).toBe(200)
  expect(await res.json()).toEqual({ ok: true })
}

describe.each(TRANSPORTS)('over %s', (kind) => {
  const who = PEOPLE[kind]
  const conn = openClient(() => server.url, kind)

  it('asks, waits for the reply given by a sandbox message, and reads the chat back', async () => {
    const asked = await call(conn.client, 'sendMessageToFriend', { nickname: who.nickname, message: `Deploy needs approval (${kind}), continue?` })
    expect(asked.structuredContent).toMatchObject({ sent: true })
    const sentAt = structured(asked).sentAt as string
    expect(Date.parse(sentAt)).not.toBeNaN()

    // `since` makes the order of the wait and the answer irrelevant: the answer may come first.
    await post({ from: who.from, text: 'yes, go ahead' })
    const reply = await call(conn.client, 'waitForReply', { nickname: who.nickname, since: sentAt, timeoutSeconds: 60 })
    expect(reply.isError).toBeFalsy()
    expect(reply.structuredContent).toMatchObject({
      status: 'replied',
      chat: { type: 'contact', id: who.id },
      message: { text: 'yes, go ahead', type: 'text', sender: { id: who.id, self: false } },
    })
    expect(text(reply)).toContain('yes, go ahead')

    const history = await call(conn.client, 'getRecentMessages', { nickname: who.nickname })
    expect(structured(history).messages.map((m: any) => [m.sender.self, m.text])).toEqual([
      [true, `Deploy needs approval (${kind}), continue?`],
      [false, 'yes, go ahead'],
    ])

    // A later message is unread until the chat is read; `since` returns only what is new.
    const replyTime = structured(reply).message.time
    await post({ from: who.from, text: 'and thanks' })
    const waitedForThanks = await call(conn.client, 'waitForReply', { id: who.id, since: replyTime, timeoutSeconds: 60 })
    expect(structured(waitedForThanks).message.text).toBe('and thanks')
    await post({ from: who.from, text: 'one more thing' })
    await call(conn.client, 'waitForReply', { id: who.id, since: structured(waitedForThanks).message.time, timeoutSeconds: 60 })
    const chats = structured(await call(conn.client, 'listRecentChats', {})).chats as any[]
    expect(chats[0]).toMatchObject({ chat: { id: who.id }, lastMessage: { text: 'one more thing' } })
    const news = await call(conn.client, 'getRecentMessages', { id: who.id, since: replyTime })
    expect(structured(news).messages.map((m: any) => m.text)).toEqual(['and thanks', 'one more thing'])
    expect((structured(await call(conn.client, 'listRecentChats', {})).chats as any[])[0].unread).toBe(0)
  })

  it('counts unread messages until the chat is read', async () => {
    const unread = async () => (structured(await call(conn.client, 'listRecentChats', {})).chats as any[]).find((c) => c.chat.id === who.otherId)?.unread
    const say = async (text: string) => {
      const kept = nextLog(server, (l) => l.msg === 'message kept' && l.chat === who.otherId)
      await post({ from: who.other, text })
      await kept
    }
    await say('first')
    await say('second')
    expect(await unread()).toBe(2)
    await call(conn.client, 'getRecentMessages', { nickname: who.other })
    expect(await unread()).toBe(0)
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === who.otherId)
    const waiting = call(conn.client, 'waitForReply', { nickname: who.other, timeoutSeconds: 60 })
    await started
    await say('third')
    await say('fourth')
    expect(structured(await waiting).message.text).toBe('third')
    // The wait returned "third"; "fourth" came after it and is still unread.
    expect(await unread()).toBe(1)
  })

  it('waits in a group and is not woken by its own messages', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started')
    const waiting = call(conn.client, 'waitForReply', { topic: who.room, timeoutSeconds: 60 })
    await started
    await call(conn.client, 'sendMessageToRoom', { topic: who.room, message: 'who is in tonight?' })
    await post({ from: 'Bob', room: who.room, text: 'me' })
    const reply = await waiting
    expect(reply.structuredContent).toMatchObject({ status: 'replied', chat: { type: 'room', name: who.room }, message: { text: 'me', sender: { name: 'Bob' } } })
  })

  it('says plainly when nobody replied in time', async () => {
    const result = await call(conn.client, 'waitForReply', { nickname: who.nickname, timeoutSeconds: 1 })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({ status: 'timeout', timeoutSeconds: 1 })
    expect(text(result)).toMatch(/No reply in "[^"]+" within 1 s/)
  })

  it('sends progress notifications while waiting', async () => {
    const progress: Array<{ progress: number; total?: number; message?: string }> = []
    let answered = false
    const result = (await conn.client.callTool({ name: 'waitForReply', arguments: { nickname: who.nickname, timeoutSeconds: 120 } }, undefined, {
      resetTimeoutOnProgress: true,
      onprogress: (p) => {
        progress.push(p)
        // The first notification proves the stream works; the answer then ends the wait.
        if (!answered) {
          answered = true
          void post({ from: who.from, text: 'here now' })
        }
      },
    })) as CallToolResult
    expect(result.structuredContent).toMatchObject({ status: 'replied', message: { text: 'here now' } })
    expect(progress.length).toBeGreaterThanOrEqual(1)
    expect(progress[0]).toMatchObject({ total: 120 })
    expect(progress[0].progress).toBeGreaterThan(0)
    expect(progress[0].message).toContain('waiting for a reply')
  })

  it('stops waiting and frees the waiter when the client cancels', async () => {
    const controller = new AbortController()
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === who.id)
    const waiting = conn.client.callTool({ name: 'waitForReply', arguments: { nickname: who.nickname, timeoutSeconds: 600 } }, undefined, { signal: controller.signal })
    await started
    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === who.id)
    controller.abort('the user changed their mind')
    await expect(waiting).rejects.toThrow()
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
  })

  it('stops waiting and frees the waiter when the client disconnects', async () => {
    const leaving = await connect(server.url, kind)
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === who.otherId)
    const waiting = leaving.callTool({ name: 'waitForReply', arguments: { id: who.otherId, timeoutSeconds: 600 } })
    await started
    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === who.otherId)
    await leaving.close()
    await expect(waiting).rejects.toThrow()
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
  })

  it(`holds ${CROWD} concurrent waits and wakes exactly the right one`, async () => {
    const controllers = Array.from({ length: CROWD }, () => new AbortController())
    const settled = new Set<number>()
    const allStarted = nextLog(server, (l) => l.msg === 'reply wait started' && l.waiting === CROWD)
    const waits = controllers.map((c, i) =>
      conn.client
        .callTool({ name: 'waitForReply', arguments: { id: `w-${i}`, timeoutSeconds: 600 } }, undefined, { signal: c.signal, timeout: 120_000 })
        .then((r) => {
          settled.add(i)
          return r as CallToolResult
        }),
    )
    await allStarted
    await post({ from: 'w-123', text: `only for 123 (${kind})` })
    const woken = await waits[123]
    expect(woken.structuredContent).toMatchObject({ status: 'replied', chat: { id: 'w-123' }, message: { text: `only for 123 (${kind})` } })
    // A full round trip after the wake-up: anything else woken by mistake would have answered by now.
    await call(conn.client, 'getLoginStatus')
    expect([...settled]).toEqual([123])

    const allEnded = nextLog(server, (l) => l.msg === 'reply wait ended' && l.waiting === 0)
    controllers.forEach((c, i) => i !== 123 && c.abort())
    const outcomes = await Promise.allSettled(waits)
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(CROWD - 1)
    await allEnded
  })
})

describe('POST /sandbox/messages', () => {
  it('refuses unknown people, unknown rooms, non-members and bad bodies with a clear message', async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ from: 'Nobody', text: 'hi' }, 404, /no sandbox contact/],
      [{ from: 'Bob', room: 'No such room', text: 'hi' }, 404, /no sandbox room/],
      [{ from: 'Carol', room: 'Family sse', text: 'hi' }, 400, /not a member/],
      [{ from: 'Bob' }, 400, /text/],
      [{ from: 'Bob', text: 'hi', extra: 1 }, 400, /extra/],
    ]
    for (const [body, status, message] of cases) {
      const res = await inbound(server, body as never)
      expect(res.status).toBe(status)
      expect((await res.json()).error).toMatch(message)
    }
  })
})

describe('a wait longer than the session idle timeout', () => {
  let idle: RunningServer
  beforeAll(async () => {
    idle = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), MCP_SESSION_IDLE_MS: '1000' })
  })
  afterAll(async () => {
    await idle?.stop()
  })

  it('keeps its session alive while the request is open, for a client without a GET stream', async () => {
    // The SDK client opens a GET stream, which alone keeps a session; many clients only POST. This one only POSTs.
    const { session, ...handshake } = await rawSession(idle.url, 'post-only', '2025-03-26')
    expect(handshake).toEqual({ status: 200, initialized: 202 })
    const wait = await rpc(idle.url, { id: 2, method: 'tools/call', params: { name: 'waitForReply', arguments: { id: 'c-bob', timeoutSeconds: 3 } } }, session)
    const body = await wait.text()
    expect(body).toContain('"status":"timeout"')
  })
})
