/**
 * Streamable HTTP keeps its streams alive (issue 13, item 4): every event stream carries keep-alive comments so a proxy
 * does not cut a long waitForReply, and the server pings quiet sessions and drops the ones that do not answer.
 * Keep-alive and ping intervals are made short through their variables; every step awaits what it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PingRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { call, connect, TRANSPORTS } from '../helpers/clients.js'
import { rawSession, rpc } from '../helpers/raw-mcp.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

let server: RunningServer
beforeAll(async () => {
  const fixture = { self: { name: '我' }, contacts: [{ id: 'c-bob', name: 'Bob' }] }
  server = await startServer({
    WECHAT_MOCK_FIXTURE: writeFixture(fixture),
    MCP_SSE_KEEPALIVE_MS: '150',
    MCP_PING_INTERVAL_MS: '300',
    MCP_PING_TIMEOUT_MS: '600',
  })
})
afterAll(async () => {
  await server?.stop()
})

/** A session opened without the SDK (no GET stream until the test opens one). */
async function openSession(): Promise<string> {
  const opened = await rawSession(server.url, 'raw')
  expect(opened).toMatchObject({ status: 200, initialized: 202 })
  return opened.session!
}

/** Reads a response body as text until `done(text)` holds or the stream ends; returns what was read and whether it ended. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean): Promise<{ text: string; ended: boolean }> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { value, done: ended } = await reader.read().catch(() => ({ value: undefined, done: true }))
    if (ended) return { text, ended: true }
    text += decoder.decode(value, { stream: true })
    if (done(text)) {
      reader.releaseLock()
      return { text, ended: false }
    }
  }
}

describe('keep-alive comments on Streamable HTTP', () => {
  it('on the GET stream, with X-Accel-Buffering: no', async () => {
    const session = await openSession()
    const controller = new AbortController()
    const res = await fetch(`${server.url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: controller.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(res.headers.get('x-accel-buffering')).toBe('no')
    const { text } = await readUntil(res.body!, (t) => t.split(': keepalive\n\n').length > 2)
    expect(text).toMatch(/^(: keepalive\n\n|event: message\n(id: .*\n)?data: .*\n\n)+/)
    controller.abort()
  })

  it('on the stream that answers a long waitForReply, until the answer', async () => {
    const session = await openSession()
    const res = await rpc(server.url, { id: 2, method: 'tools/call', params: { name: 'waitForReply', arguments: { id: 'c-bob', timeoutSeconds: 1 } } }, session)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(res.headers.get('x-accel-buffering')).toBe('no')
    const body = await res.text()
    const answer = body.indexOf('"status":"timeout"')
    expect(answer).toBeGreaterThan(0)
    expect(body.slice(0, answer)).toContain(': keepalive\n\n')
  })
})

describe('pings', () => {
  it.each(TRANSPORTS)('a real SDK client over %s answers the pings of its quiet session and keeps it', async (kind) => {
    const client = await connect(server.url, kind)
    let pings = 0
    const twoPings = new Promise<void>((resolve) => {
      client.setRequestHandler(PingRequestSchema, () => {
        if (++pings === 2) resolve()
        return {}
      })
    })
    await twoPings
    expect((await call(client, 'getLoginStatus')).structuredContent).toMatchObject({ status: 'logged_in' })
    await client.close()
  })

  it('a stream whose reader never answers is pinged, then closed by the server, and its session is gone', async () => {
    const session = await openSession()
    const res = await fetch(`${server.url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': session } })
    expect(res.status).toBe(200)
    // Read everything: the keep-alive comments, the ping request, and then the end of the stream.
    const { text, ended } = await readUntil(res.body!, () => false)
    expect(ended).toBe(true)
    expect(text).toContain(': keepalive\n\n')
    expect(text).toMatch(/data: \{[^\n]*"method":"ping"/)
    const dropped = await server.waitForLog((l) => l.msg === 'session dropped: its client did not answer a ping' && l.session === session)
    expect(dropped).toMatchObject({ kind: 'streamableHttp' })
    expect((await rpc(server.url, { id: 3, method: 'ping' }, session)).status).toBe(404)
  })
})
