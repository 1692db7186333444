/**
 * Abandoned sessions must not lock everyone out (issue 13, item 3). Against the real server with a small session cap:
 * a loop of clients that connect, call once and drop without saying goodbye (as the Inspector CLI, `claude mcp list`
 * and crashing scripts do), far past the cap; then a fresh client still works, and so do the clients that were
 * connected all along. Only when every session is in use is a new one refused, with a log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { call, connect, type TransportKind } from '../helpers/clients.js'
import { initialize, rawSession, rpc } from '../helpers/raw-mcp.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const CAP = 4
const FLOOD = 5 * CAP

let server: RunningServer
const kept: Client[] = []
beforeAll(async () => {
  // A long idle time: the sweep must not be what makes room here.
  server = await startServer({ MCP_MAX_SESSIONS: String(CAP), MCP_SESSION_IDLE_MS: '600000', MCP_SESSION_STREAMLESS_IDLE_MS: '600000' })
})
afterAll(async () => {
  await Promise.all(kept.map((c) => c.close()))
  await server?.stop()
})

/** A script with no SDK: initialize, one call, and gone (it never opens a stream and never sends DELETE). */
async function rawOneShot(): Promise<number> {
  const { status, session } = await rawSession(server.url, 'one-shot')
  if (status !== 200) return status
  const res = await rpc(server.url, { id: 2, method: 'tools/call', params: { name: 'getLoginStatus', arguments: {} } }, session)
  const body = await res.text()
  if (!body.includes('"status":"logged_in"')) throw new Error(`the one-shot call failed: ${res.status} ${body}`)
  return res.status
}

/** An SDK client that calls once and closes its sockets without ending the session (no DELETE). */
async function sdkOneShot(kind: TransportKind): Promise<void> {
  const client = await connect(server.url, kind)
  const status = await call(client, 'getLoginStatus')
  expect(status.structuredContent).toMatchObject({ status: 'logged_in' })
  await client.close()
}

describe(`a flood of abandoned sessions past MCP_MAX_SESSIONS=${CAP}`, () => {
  it('never locks anyone out: the least recently used idle session makes room, and every client that stayed keeps working', async () => {
    // Two clients that stay connected all along, each holding its stream open.
    kept.push(await connect(server.url, 'streamableHttp'), await connect(server.url, 'sse'))
    const kinds: Array<'raw' | TransportKind> = ['raw', 'streamableHttp', 'sse']
    for (let i = 0; i < FLOOD; i++) {
      const kind = kinds[i % kinds.length]
      if (kind === 'raw') expect(await rawOneShot()).toBe(200)
      else await sdkOneShot(kind)
    }
    const fresh = await connect(server.url, 'streamableHttp')
    kept.push(fresh)
    for (const client of kept) {
      const found = await call(client, 'findFriend', { nickname: '老张' })
      expect(found.isError).toBeFalsy()
    }
    const evictions = server.logs().filter((l) => l.msg === 'session table full: closed the least recently used idle session')
    expect(evictions.length).toBeGreaterThan(0)
    expect(server.logs().some((l) => String(l.msg).startsWith('new MCP session refused'))).toBe(false)
    const health = (await (await fetch(`${server.url}/health`)).json()) as { sessions: Record<string, number> }
    expect(health.sessions.sse + health.sessions.streamableHttp).toBeLessThanOrEqual(CAP)
  })

  it('refuses with 503 and a log line only when every session has an open stream or a call in flight', async () => {
    // The table now holds the three kept clients (each with an open stream) and at most one idle session.
    kept.push(await connect(server.url, 'streamableHttp'))
    const refused = await rpc(server.url, initialize('late'))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBeTruthy()
    expect((await refused.json()).error.message).toMatch(/every MCP session is in use.*MCP_MAX_SESSIONS/)
    const line = await server.waitForLog((l) => String(l.msg).startsWith('new MCP session refused'))
    expect(line).toMatchObject({ level: 40, sessions: CAP, max: CAP })
    // A client that leaves politely frees its place at once.
    const leaving = kept.pop()!
    await leaving.close()
    await expect.poll(async () => (await rawOneShot()) === 200, { timeout: 10_000 }).toBe(true)
  })
})

describe('sessions whose client never opened a stream', () => {
  // Starts a server of its own: on a busy machine that alone can take most of the default timeout.
  it('are swept after MCP_SESSION_STREAMLESS_IDLE_MS, long before sessions that hold a stream', { timeout: 90_000 }, async () => {
    const quick = await startServer({ MCP_SESSION_IDLE_MS: '600000', MCP_SESSION_STREAMLESS_IDLE_MS: '1000' })
    try {
      const agent = await connect(quick.url, 'streamableHttp')
      const init = await rpc(quick.url, initialize('one-shot'))
      const abandoned = init.headers.get('mcp-session-id')!
      await init.text()
      const swept = await quick.waitForLog((l) => l.msg === 'idle sessions closed')
      expect(swept).toMatchObject({ swept: 1, remaining: 1 })
      const gone = await rpc(quick.url, { id: 2, method: 'ping' }, abandoned)
      expect(gone.status).toBe(404)
      expect((await call(agent, 'getLoginStatus')).structuredContent).toMatchObject({ status: 'logged_in' })
      await agent.close()
    } finally {
      await quick.stop()
    }
  })
})
