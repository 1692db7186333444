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

  it('declares the channel and permission capabilities, and tells Claude what the events are', async () => {
    const s = await session(server, 'caps')
    open.push(s.client)
    expect(s.client.getServerCapabilities()?.experimental).toMatchObject({ 'claude/channel': {}, 'claude/channel/permission': {} })
    expect(s.client.getInstructions()).toMatch(/sendMessageToMe/)
    await s.client.close()
  })

  it('a listed sender reaches the one session; an unlisted friend never does', async () => {
    const s = await session(server, 'solo')
    open.push(s.client)
    await waitForSessions(server, ['solo'])
    expect((await inbound(server, { from: '李四', text: 'not listed: must not arrive' })).status).toBe(200)
    expect((await inbound(server, { from: '张三', text: 'listed: hello agent' })).status).toBe(200)
    const event = await s.next()
    expect(event.content).toBe('listed: hello agent')
    expect(event.meta).toMatchObject({ from: 'listed', chat_type: 'contact' })
    expect(event.meta?.chat).toMatch(/张三|老张/)
    expect(s.events).toEqual([])
    await s.client.close()
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

/** The hub logs each join and leave; wait until exactly these sessions are in. */
async function waitForSessions(server: RunningServer, names: string[]): Promise<void> {
  for (const name of names) await server.waitForLog((l) => l.msg === 'channel session joined' && l.session === name)
}
