/**
 * WeChat as a notification channel (WECHAT_NOTIFY_TO) against the running sandbox, through a real MCP client:
 * a friend by remark, a group by topic, an ambiguous name refused, pacing shared with the tools, and a
 * notification that cannot get into the queue. Each case is a server of its own (WECHAT_NOTIFY_TO is read at start).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect } from '../helpers/clients.js'
import { nextLog } from '../helpers/conversation.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const fixture = {
  self: { name: '我' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-bob', name: 'Bob' },
    // Two friends share a nickname, as in the demo address book.
    { id: 'c-ming1', name: '小明', alias: '明明 (同事)' },
    { id: 'c-ming2', name: '小明', alias: '小明 (大学同学)' },
  ],
  rooms: [{ id: 'r-fam@chatroom', topic: '家庭群', members: ['c-zhang', 'c-bob'] }],
}

type Results = { results: Array<{ channel: string; ok: boolean; error?: string }> }
const wechatResult = (r: CallToolResult) => (r.structuredContent as Results).results.find((x) => x.channel === 'wechat')
const notifyLines = (server: RunningServer) => server.auditLines().filter((l) => l.tool === 'notify')
const selfMessageKept = (chat: string) => (l: Record<string, unknown>) => l.msg === 'message kept' && l.chat === chat && l.self === true

/** One server (debug log: "message kept" says when a sent message reached the chat) and one client. */
function serve(env: Record<string, string>) {
  const s = { server: undefined as unknown as RunningServer, client: undefined as unknown as Client }
  beforeAll(async () => {
    s.server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), LOG_LEVEL: 'debug', ...env })
    s.client = await connect(s.server.url, 'streamableHttp')
  })
  afterAll(async () => {
    await s.client?.close()
    await s.server?.stop()
  })
  return s
}

async function history(client: Client, id: string): Promise<Array<[boolean, string]>> {
  const r = await call(client, 'getRecentMessages', { id })
  expect(r.isError).toBeFalsy()
  return (r.structuredContent as { messages: Array<{ sender: { self: boolean }; text: string }> }).messages.map((m) => [m.sender.self, m.text])
}

describe.each([
  { to: 'a friend\'s exact remark', name: '老张', target: { type: 'contact', id: 'c-zhang' }, title: 'Deploy done', content: 'v1.2.3 is live' },
  { to: 'a group\'s exact topic', name: '家庭群', target: { type: 'room', id: 'r-fam@chatroom' }, title: 'Backup', content: 'nightly backup ok' },
])('WECHAT_NOTIFY_TO = $to', ({ name, target, title, content }) => {
  const s = serve({ WECHAT_NOTIFY_TO: name })

  it(`delivers into that chat, audited as tool notify with target type ${target.type}`, async () => {
    const kept = nextLog(s.server, selfMessageKept(target.id))
    const r = await call(s.client, 'notify_send', { title, content })
    expect(r.isError).toBeFalsy()
    expect(wechatResult(r)).toMatchObject({ ok: true })
    await kept
    expect(await history(s.client, target.id)).toEqual([[true, `${title}\n\n${content}`]])
    expect(notifyLines(s.server)).toEqual([
      expect.objectContaining({ tool: 'notify', target: { ...target, name }, text: `${title}\n\n${content}`, ok: true }),
    ])
  })
})

describe('WECHAT_NOTIFY_TO = a name two friends share', () => {
  const s = serve({ WECHAT_NOTIFY_TO: '小明' })

  it('is a failure naming the ambiguity, sends nothing, and audits the refusal', async () => {
    const r = await call(s.client, 'notify_send', { title: 'Ambiguous', content: 'who gets this?' })
    // WeChat is the only channel, so the whole call failed.
    expect(r.isError).toBe(true)
    const wechat = wechatResult(r)!
    expect(wechat.ok).toBe(false)
    expect(wechat.error).toMatch(/2 friends match "小明" exactly/)
    expect(wechat.error).toContain('c-ming1')
    expect(wechat.error).toContain('c-ming2')
    expect(notifyLines(s.server)).toEqual([
      expect.objectContaining({ tool: 'notify', target: { type: 'contact', name: '小明' }, text: 'Ambiguous\n\nwho gets this?', ok: false, error: expect.stringMatching(/小明/) }),
    ])

    // Sent messages reach the chats in order: once a later send shows up, the refused one would have too.
    const kept = nextLog(s.server, selfMessageKept('c-ming1'))
    const control = await call(s.client, 'sendMessageToFriend', { id: 'c-ming1', message: 'control' })
    expect(control.isError).toBeFalsy()
    await kept
    expect(await history(s.client, 'c-ming1')).toEqual([[true, 'control']])
    expect(await history(s.client, 'c-ming2')).toEqual([])
  })
})

describe('pacing shared with the tools', () => {
  const INTERVAL_MS = 400
  const s = serve({ WECHAT_NOTIFY_TO: 'filehelper', WECHAT_SEND_MIN_INTERVAL_MS: String(INTERVAL_MS), WECHAT_REPEAT_WINDOW_S: '0' })

  it('a tool send and a notification issued together both go out, at least the interval apart', async () => {
    const [tool, notify] = await Promise.all([
      call(s.client, 'sendMessageToFriend', { nickname: 'Bob', message: 'from the tool' }),
      call(s.client, 'notify_send', { title: 'Paced', content: 'from notify' }),
    ])
    expect(tool.structuredContent).toMatchObject({ sent: true })
    expect(wechatResult(notify)).toMatchObject({ ok: true })
    const lines = s.server.auditLines()
    const toolLine = lines.find((l) => l.tool === 'sendMessageToFriend')!
    const notifyLine = lines.find((l) => l.tool === 'notify')!
    expect(toolLine).toMatchObject({ ok: true, target: { id: 'c-bob' } })
    expect(notifyLine).toMatchObject({ ok: true, target: { id: 'filehelper' } })
    // Whichever went first, the other waited its turn (audit ts = the moment it went to WeChat).
    const gap = Math.abs(Date.parse(notifyLine.ts as string) - Date.parse(toolLine.ts as string))
    expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS)
  })
})

describe('a notification that cannot get into the outbound queue', () => {
  // The minute's only slot and a one-place queue. The WeChat channel's own deadline is then more than 60 s (it
  // covers a full queue at the per-minute cap), so its expiry in the queue is tested in test/notify/wechat-channel.test.ts.
  const s = serve({
    WECHAT_NOTIFY_TO: 'filehelper',
    WECHAT_SEND_MIN_INTERVAL_MS: '0',
    WECHAT_SEND_MAX_PER_MINUTE: '1',
    WECHAT_SEND_QUEUE_MAX: '1',
    NOTIFY_TIMEOUT_MS: '100',
  })

  it('fails at once, is audited ok:false, and no notification goes out afterwards (up to shutdown)', async () => {
    const tool = await call(s.client, 'sendMessageToFriend', { nickname: '老张', message: 'uses the minute' })
    expect(tool.structuredContent).toMatchObject({ sent: true })

    // A first notification takes the queue's only place, waiting for the next minute.
    const queued = nextLog(s.server, (l) => l.msg === 'WeChat send queued behind pacing')
    const waiting = call(s.client, 'notify_send', { title: 'Waiting', content: 'in the queue' }).then(
      (r) => ({ settled: 'answered' as const, r }),
      (err: unknown) => ({ settled: 'failed' as const, err }),
    )
    await queued

    const refused = await call(s.client, 'notify_send', { title: 'Refused', content: 'no room' })
    expect(refused.isError).toBe(true)
    const wechat = wechatResult(refused)!
    expect(wechat.ok).toBe(false)
    expect(wechat.error).toMatch(/queue is full/)
    expect(notifyLines(s.server)).toEqual([
      expect.objectContaining({ tool: 'notify', target: expect.objectContaining({ type: 'contact', id: 'filehelper' }), text: 'Refused\n\nno room', ok: false }),
    ])

    // Shutdown waits a few seconds for queued sends, then exits: the waiting one dies with the process.
    expect(await s.server.stop()).toBe(0)
    await s.client.close()
    const outcome = await waiting
    if (outcome.settled === 'answered') expect(wechatResult(outcome.r)?.ok).not.toBe(true)
    const lines = notifyLines(s.server)
    expect(lines.filter((l) => l.ok === true)).toEqual([])
    expect(lines.filter((l) => l.text === 'Refused\n\nno room')).toHaveLength(1)
  })
})
