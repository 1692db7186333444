/** Both transports against the running server: session handling, many clients at once, and the MCP Inspector CLI. */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, TRANSPORTS } from '../helpers/clients.js'
import { initialize as initializeRequest, POST_HEADERS, rpc } from '../helpers/raw-mcp.js'
import { PACKAGE_DIR, startServer, tempDir, type RunningServer } from '../helpers/server.js'

const INSPECTOR = path.join(PACKAGE_DIR, '..', 'node_modules', '.bin', 'mcp-inspector')
const exec = promisify(execFile)

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ MCP_SSE_KEEPALIVE_MS: '200' })
})
afterAll(async () => {
  await server?.stop()
})

const initialize = { jsonrpc: '2.0', ...initializeRequest('raw') }
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, { method: 'POST', headers: { ...POST_HEADERS, ...headers }, body: JSON.stringify(body) })

describe('legacy SSE', () => {
  it('sends the endpoint, X-Accel-Buffering: no, and keep-alive comments', async () => {
    const controller = new AbortController()
    const res = await fetch(`${server.url}/sse`, { signal: controller.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-accel-buffering')).toBe('no')
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = res.body!.getReader()
    let seen = ''
    while (!seen.includes(': keepalive')) seen += new TextDecoder().decode((await reader.read()).value)
    expect(seen).toMatch(/event: endpoint\ndata: \/messages\?sessionId=[0-9a-f-]{36}/)
    controller.abort()
  })

  it('answers 400 without a session id and 404 for an unknown one', async () => {
    expect((await post('/messages', { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(400)
    expect((await post('/messages?sessionId=00000000-0000-0000-0000-000000000000', { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(404)
  })
})

describe('Streamable HTTP', () => {
  it('needs initialize first, 404s an unknown session, and rejects the other transport’s session id', async () => {
    expect((await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(400)
    expect((await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' })).status).toBe(404)
    expect((await fetch(`${server.url}/mcp`)).status).toBe(400)

    const controller = new AbortController()
    const sse = await fetch(`${server.url}/sse`, { signal: controller.signal })
    const first = new TextDecoder().decode((await sse.body!.getReader().read()).value)
    const sseId = first.match(/sessionId=([0-9a-f-]+)/)![1]
    const wrong = await post('/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': sseId })
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toMatch(/legacy SSE/)
    controller.abort()
  })

  it('creates a session on initialize and ends it on DELETE', async () => {
    const res = await post('/mcp', initialize)
    expect(res.status).toBe(200)
    const id = res.headers.get('mcp-session-id')!
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    await res.text()
    const del = await fetch(`${server.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id } })
    expect(del.status).toBe(200)
    expect((await post('/mcp', { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': id })).status).toBe(404)
  })
})

describe('many clients at once', () => {
  it('20 sessions on mixed transports, interleaved calls: each gets only its own answers', async () => {
    const names = ['张三', '李四', '王五', '赵六', 'Alice', 'Bob', 'Charlie', '陈晨', '妈妈', 'David Wang']
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(server.url, TRANSPORTS[i % 2])))
    const rounds = await Promise.all(
      clients.map(async (client, i) => {
        const answers: string[] = []
        for (let round = 0; round < 5; round++) {
          const name = names[(i + round) % names.length]
          const r = await call(client, 'findFriend', { nickname: name })
          const friends = (r.structuredContent as { friends: Array<{ name: string; match: string }> }).friends
          answers.push(`${name}=${friends.find((f) => f.match === 'exact')?.name}`)
        }
        return answers
      }),
    )
    rounds.forEach((answers, i) =>
      answers.forEach((a, round) => {
        const name = names[(i + round) % names.length]
        expect(a).toBe(`${name}=${name}`)
      }),
    )
    const health = (await (await fetch(`${server.url}/health`)).json()) as { sessions: { sse: number; streamableHttp: number } }
    expect(health.sessions.sse).toBeGreaterThanOrEqual(10)
    expect(health.sessions.streamableHttp).toBeGreaterThanOrEqual(10)
    await Promise.all(clients.map((c) => c.close()))
  })
})

describe('/health', () => {
  it('reports the real login state and session counts', async () => {
    const res = await fetch(`${server.url}/health`)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ status: 'ok', wechat: { status: 'logged_in', user: '我' } })
    expect(typeof body.version).toBe('string')
    expect(typeof body.uptimeSeconds).toBe('number')
    expect(Object.keys(body.sessions).sort()).toEqual(['sse', 'streamableHttp'])
  })
})

describe('MCP Inspector CLI', () => {
  it.each([
    ['sse', '/sse'],
    ['http', '/mcp'],
  ])('lists and calls tools over %s', async (transport, route) => {
    const cwd = tempDir()
    const list = await exec(INSPECTOR, ['--cli', `${server.url}${route}`, '--transport', transport, '--method', 'tools/list'], { cwd, timeout: 30_000 })
    const tools = (JSON.parse(list.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)
    expect(tools).toContain('sendMessageToFriend')
    const found = await exec(
      INSPECTOR,
      ['--cli', `${server.url}${route}`, '--transport', transport, '--method', 'tools/call', '--tool-name', 'findRoom', '--tool-arg', 'topic=家庭群'],
      { cwd, timeout: 30_000 },
    )
    expect(JSON.parse(found.stdout).structuredContent).toMatchObject({ exactCount: 1, rooms: [{ topic: '家庭群', match: 'exact' }] })
  })
})

describe('session limits', () => {
  // Starts a server of its own: on a busy machine that alone can take most of the default timeout.
  it('refuses sessions past MCP_MAX_SESSIONS with 503 while all are in use, and sweeps idle ones', { timeout: 90_000 }, async () => {
    const small = await startServer({ MCP_MAX_SESSIONS: '2', MCP_SESSION_IDLE_MS: '1000' })
    try {
      const postTo = (body: object) => rpc(small.url, body)
      const a = await postTo(initialize)
      const b = await postTo(initialize)
      expect([a.status, b.status]).toEqual([200, 200])
      await Promise.all([a.text(), b.text()])
      // Both hold a GET stream: both are in use, so neither makes room for a third.
      const streams = new AbortController()
      for (const res of [a, b]) {
        const get = await fetch(`${small.url}/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': res.headers.get('mcp-session-id')! }, signal: streams.signal })
        expect(get.status).toBe(200)
      }
      const c = await postTo(initialize)
      expect(c.status).toBe(503)
      expect(c.headers.get('retry-after')).toBeTruthy()
      // The streams end and nobody talks to the two sessions: the sweeper closes them.
      streams.abort()
      await small.waitForLog((l) => l.msg === 'idle sessions closed' && l.swept === 2)
      const d = await postTo(initialize)
      expect(d.status).toBe(200)
      await d.text()
    } finally {
      await small.stop()
    }
  })
})
