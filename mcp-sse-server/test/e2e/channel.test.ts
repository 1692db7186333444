/**
 * WeChat as a Claude Code channel, through real SDK clients over Streamable HTTP: the capabilities, which messages
 * reach which session, and the permission relay round trip. Only the owner and CHANNEL_SENDERS may reach a session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import * as z from 'zod'
import { startServer, type RunningServer } from '../helpers/server.js'
import { inbound } from '../helpers/conversation.js'

const ChannelEvent = z.object({
  method: z.literal('notifications/claude/channel'),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
})

const Verdict = z.object({
  method: z.literal('notifications/claude/channel/permission'),
  params: z.object({ request_id: z.string(), behavior: z.enum(['allow', 'deny']) }),
})

/** What the server told the owner since `since` (its sends in the chat `me`), once one matches. */
async function ownerGets(client: Client, since: string, pattern: RegExp): Promise<string> {
  for (;;) {
    const result = (await client.callTool({ name: 'getRecentMessages', arguments: { id: 'me', since } })) as {
      structuredContent?: { messages?: Array<{ text?: string; sender: { self: boolean } }> }
    }
    const said = (result.structuredContent?.messages ?? []).filter((m) => m.sender.self).map((m) => m.text ?? '')
    const hit = said.find((t) => pattern.test(t))
    if (hit) return hit
    // The answer is sent through the paced queue; ask again once it had a turn.
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

interface Session {
  client: Client
  events: Array<z.infer<typeof ChannelEvent>['params']>
  next: () => Promise<z.infer<typeof ChannelEvent>['params']>
}

async function session(server: RunningServer, name?: string, via: 'header' | 'query' = 'query'): Promise<Session> {
  const url = new URL('/mcp', server.url)
  if (name && via === 'query') url.searchParams.set('name', name)
  const client = new Client({ name: 'Claude Code', version: '2.1.0' })
  const events: Session['events'] = []
  const waiters: Array<(e: Session['events'][number]) => void> = []
  client.setNotificationHandler(ChannelEvent, ({ params }) => {
    const waiter = waiters.shift()
    if (waiter) waiter(params)
    else events.push(params)
  })
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: name && via === 'header' ? { 'X-Channel-Name': name } : {} } }))
  // The standalone GET stream carries server-initiated notifications; it opens right after initialize.
  await client.ping()
  const next = () => (events.length ? Promise.resolve(events.shift()!) : new Promise<Session['events'][number]>((resolve) => waiters.push(resolve)))
  return { client, events, next }
}

describe('channel', { timeout: 120_000 }, () => {
  let server: RunningServer
  const open: Client[] = []

  beforeAll(async () => {
    server = await startServer({ CHANNEL_ENABLED: 'true', CHANNEL_SENDERS: '老张' })
  })
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close().catch(() => undefined)))
    await server?.stop()
  })

  /** A session the hub has taken in; closed after the tests unless a test closes it first. */
  async function joined(name: string, via: 'header' | 'query' = 'query'): Promise<Session> {
    const s = await session(server, name, via)
    open.push(s.client)
    // The hub logs each join: once it has, the session is one that inbound messages can reach.
    await server.waitForLog((l) => l.msg === 'channel session joined' && l.session === name)
    return s
  }

  it('declares the channel and permission capabilities, and tells Claude what the events are', async () => {
    const s = await session(server, 'caps')
    open.push(s.client)
    expect(s.client.getServerCapabilities()?.experimental).toMatchObject({ 'claude/channel': {}, 'claude/channel/permission': {} })
    expect(s.client.getInstructions()).toMatch(/sendMessageToMe/)
    await s.client.close()
  })

  it('a listed sender reaches the one session; an unlisted friend never does', async () => {
    const s = await joined('solo')
    expect((await inbound(server, { from: '李四', text: 'not listed: must not arrive' })).status).toBe(200)
    expect((await inbound(server, { from: '张三', text: 'listed: hello agent' })).status).toBe(200)
    const event = await s.next()
    expect(event.content).toBe('listed: hello agent')
    expect(event.meta).toMatchObject({ from: 'listed', chat_type: 'contact' })
    expect(event.meta?.chat).toMatch(/张三|老张/)
    expect(s.events).toEqual([])
    await s.client.close()
  })

  it('the owner: one session gets it; with several, @name routes, no name gets the list back, /sessions lists', async () => {
    const a = await joined('proj-a')
    expect((await inbound(server, { from: 'me', text: 'run the tests' })).status).toBe(200)
    const first = await a.next()
    expect(first.content).toBe('run the tests')
    expect(first.meta).toMatchObject({ from: 'owner', chat_id: 'me' })

    const b = await joined('proj-b', 'header')
    const sinceList = new Date().toISOString()
    await inbound(server, { from: 'me', text: 'which one gets this?' })
    const list = await ownerGets(a.client, sinceList, /@proj-a.*@proj-b/)
    expect(list).toMatch(/Start a message with @name/)

    await inbound(server, { from: 'me', text: '@proj-b deploy now' })
    expect((await b.next()).content).toBe('deploy now')

    const sinceSessions = new Date().toISOString()
    await inbound(server, { from: 'me', text: '/sessions' })
    await ownerGets(a.client, sinceSessions, /Sessions: @proj-a, @proj-b/)
    // Nothing but the one addressed message reached either session.
    expect(a.events).toEqual([])
    expect(b.events).toEqual([])

    // A session that leaves is gone from the list at once.
    await b.client.close()
    await server.waitForLog((l) => l.msg === 'channel session left' && l.session === 'proj-b')
    await inbound(server, { from: 'me', text: 'only a now' })
    expect((await a.next()).content).toBe('only a now')
    await a.client.close()
    await server.waitForLog((l) => l.msg === 'channel session left' && l.session === 'proj-a')
  })

  it('permission relay: the owner approves from the phone, only the asking session hears it, once', async () => {
    const a = await joined('perm-a')
    const b = await joined('perm-b')
    const verdicts: { a: unknown[]; b: unknown[] } = { a: [], b: [] }
    let gotVerdict!: () => void
    const verdictArrived = new Promise<void>((resolve) => (gotVerdict = resolve))
    a.client.setNotificationHandler(Verdict, ({ params }) => {
      verdicts.a.push(params)
      gotVerdict()
    })
    b.client.setNotificationHandler(Verdict, ({ params }) => void verdicts.b.push(params))

    const since = new Date().toISOString()
    await a.client.notification({
      method: 'notifications/claude/channel/permission_request',
      params: { request_id: 'qwert', tool_name: 'Bash', description: 'Run the test suite', input_preview: '{"command":"npm test"}' },
    })
    const asked = await ownerGets(a.client, since, /qwert/)
    expect(asked).toMatch(/perm-a.*Bash.*Run the test suite/s)
    expect(asked).toMatch(/yes qwert/)

    await inbound(server, { from: 'me', text: 'yes qwert' })
    await verdictArrived
    expect(verdicts.a).toEqual([{ request_id: 'qwert', behavior: 'allow' }])
    const sinceAgain = new Date().toISOString()
    await inbound(server, { from: 'me', text: '否 qwert' })
    await ownerGets(a.client, sinceAgain, /already answered/)
    expect(verdicts.a).toHaveLength(1)
    expect(verdicts.b).toEqual([])
    // The verdicts were consumed: never pushed as channel events.
    expect(a.events).toEqual([])
    expect(b.events).toEqual([])
    await Promise.all([a.client.close(), b.client.close()])
  })

  it('servers without CHANNEL_ENABLED declare nothing', async () => {
    const plain = await startServer()
    try {
      const client = new Client({ name: 'c', version: '1' })
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', plain.url)))
      expect(client.getServerCapabilities()?.experimental).toBeUndefined()
      await client.close()
    } finally {
      await plain.stop()
    }
  })
})
