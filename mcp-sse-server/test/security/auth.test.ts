/**
 * The doors, attacked on the running server: the bearer token on every MCP route, session ids that are not proof of
 * identity, Host and Origin checks that refuse before anything else, CORS only for allowed origins, /health open
 * and secret-free, and a bind beyond loopback without a token refusing to start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startServer, type RunningServer } from '../helpers/server.js'
import { call, connect, TRANSPORTS } from '../helpers/clients.js'
import { INITIALIZE, openSse, raw, STREAMABLE_HEADERS, type RawRequest } from './raw-http.js'

const TOKEN = 'auth-test-token-9f8e7d6c5b4a3210'
const ALLOWED_ORIGIN = 'http://localhost:5173'
let server: RunningServer
let sseSession: { sessionId: string; close: () => void }
let mcpSessionId: string

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function newStreamableSession(): Promise<string> {
  const res = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, ...bearer(TOKEN) }, body: INITIALIZE })
  expect(res.status).toBe(200)
  return res.headers['mcp-session-id'] as string
}

beforeAll(async () => {
  server = await startServer({ MCP_AUTH_TOKEN: TOKEN, ALLOWED_ORIGINS: ALLOWED_ORIGIN })
  sseSession = await openSse(server.port, bearer(TOKEN))
  mcpSessionId = await newStreamableSession()
})
afterAll(async () => {
  sseSession?.close()
  await server?.stop()
})

/** Every MCP route, as a request that the right token lets through. */
function routes(): Array<[string, RawRequest, number]> {
  const ping = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' })
  return [
    ['GET /sse', { path: '/sse', streamFirstChunk: true }, 200],
    ['POST /messages', { method: 'POST', path: `/messages?sessionId=${sseSession.sessionId}`, headers: { 'content-type': 'application/json' }, body: ping }, 202],
    ['POST /mcp (initialize)', { method: 'POST', path: '/mcp', headers: STREAMABLE_HEADERS, body: INITIALIZE }, 200],
    ['POST /mcp (in session)', { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, 'mcp-session-id': mcpSessionId, 'mcp-protocol-version': '2025-06-18' }, body: ping }, 200],
    ['GET /mcp', { path: '/mcp', headers: { accept: 'text/event-stream', 'mcp-session-id': mcpSessionId, 'mcp-protocol-version': '2025-06-18' }, streamFirstChunk: true }, 200],
  ]
}

describe('bearer token', () => {
  it('every MCP route: no token → 401 with WWW-Authenticate; wrong token → 401; right token → through', async () => {
    for (const [name, req, okStatus] of routes()) {
      for (const [label, headers] of [
        ['no token', {}],
        ['wrong token', bearer('x' + TOKEN.slice(1))],
        ['token as Basic', { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` }],
        ['a prefix of the token', bearer(TOKEN.slice(0, -1))],
      ] as const) {
        const res = await raw(server.port, { ...req, headers: { ...req.headers, ...headers }, streamFirstChunk: false })
        expect(res.status, `${name} with ${label}`).toBe(401)
        expect(res.headers['www-authenticate'], `${name} with ${label}`).toMatch(/^Bearer realm=/)
        expect(res.json().error.message).toMatch(/Unauthorized/)
        expect(res.body).not.toContain(TOKEN)
      }
      const ok = await raw(server.port, { ...req, headers: { ...req.headers, ...bearer(TOKEN) } })
      expect(ok.status, `${name} with the right token`).toBe(okStatus)
    }
  })

  it('DELETE /mcp: 401 without or with a wrong token, and the session survives; with the token it ends the session', async () => {
    const id = await newStreamableSession()
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' }
    expect((await raw(server.port, { method: 'DELETE', path: '/mcp', headers })).status).toBe(401)
    expect((await raw(server.port, { method: 'DELETE', path: '/mcp', headers: { ...headers, ...bearer('wrong-token-wrong-token') } })).status).toBe(401)
    expect((await raw(server.port, { method: 'DELETE', path: '/mcp', headers: { ...headers, ...bearer(TOKEN) } })).status).toBe(200)
    expect((await raw(server.port, { method: 'DELETE', path: '/mcp', headers: { ...headers, ...bearer(TOKEN) } })).status).toBe(404)
  })

  it('a valid session id is not proof of identity: without the token it is 401 on both transports', async () => {
    const toolCall = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'sendMessageToFriend', arguments: { nickname: '老张', message: 'hijack' } } })
    const sse = await raw(server.port, { method: 'POST', path: `/messages?sessionId=${sseSession.sessionId}`, headers: { 'content-type': 'application/json' }, body: toolCall })
    expect(sse.status).toBe(401)
    for (const method of ['POST', 'GET', 'DELETE']) {
      const res = await raw(server.port, {
        method,
        path: '/mcp',
        headers: { ...STREAMABLE_HEADERS, 'mcp-session-id': mcpSessionId },
        ...(method === 'POST' ? { body: toolCall } : {}),
      })
      expect(res.status, method).toBe(401)
    }
    expect(server.auditLines().filter((l) => l.text === 'hijack')).toEqual([])
  })

  it('real MCP clients connect with the token over both transports, and fail without it', async () => {
    for (const kind of TRANSPORTS) {
      const client = await connect(server.url, kind, TOKEN)
      expect((await call(client, 'findFriend', { nickname: 'Bob' })).isError).toBeFalsy()
      await client.close()
      await expect(connect(server.url, kind)).rejects.toThrow(/401|Unauthorized/)
    }
  })

  it('/health is open, says nothing secret, and has only the documented fields', async () => {
    const res = await raw(server.port, { path: '/health' })
    expect(res.status).toBe(200)
    const body = res.json()
    expect(Object.keys(body).sort()).toEqual(['audit', 'ilink', 'notify', 'sandbox', 'sessions', 'status', 'uptimeSeconds', 'version', 'wechat'])
    // Each road: its state in words, the account's name; never a QR or an id.
    for (const road of [body.wechat, body.ilink]) {
      for (const key of Object.keys(road)) expect(['status', 'user', 'reason', 'action']).toContain(key)
    }
    expect(res.body).not.toContain(TOKEN)
    expect(res.body).not.toContain(server.dataDir)
  })
})

describe('Host and Origin (DNS rebinding, browsers)', () => {
  const everyRoute: RawRequest[] = [
    { path: '/health' },
    { path: '/sse' },
    { method: 'POST', path: '/messages?sessionId=x', headers: { 'content-type': 'application/json' }, body: '{not json' },
    { method: 'POST', path: '/mcp', headers: STREAMABLE_HEADERS, body: '{not json' },
    { path: '/mcp' },
    { method: 'DELETE', path: '/mcp' },
    { path: '/login' },
    { path: '/no-such-route' },
  ]

  it.each([
    ['a rebinding name', 'attacker.example'],
    ['a rebinding name on our port', 'attacker.example:8083'],
    ['a LAN address', '192.168.1.20'],
    ['a suffix trick', '127.0.0.1.attacker.example'],
  ])('forged Host (%s) → 403 before the token, the session or the body are looked at', async (_label, host) => {
    for (const req of everyRoute) {
      for (const headers of [{}, bearer(TOKEN)]) {
        const res = await raw(server.port, { ...req, headers: { ...req.headers, ...headers, host } })
        expect(res.status, `${req.method ?? 'GET'} ${req.path}`).toBe(403)
        expect(res.json()).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/Host .* not allowed/) }, id: null })
        expect(res.headers['access-control-allow-origin']).toBeUndefined()
      }
    }
  })

  it.each(['http://attacker.example', 'null', 'http://127.0.0.1:1', `${ALLOWED_ORIGIN}.attacker.example`, 'http://localhost:5173/evil'])(
    'forged Origin %s → 403 before anything else, without CORS headers',
    async (origin) => {
      for (const req of everyRoute) {
        for (const headers of [{}, bearer(TOKEN)]) {
          const res = await raw(server.port, { ...req, headers: { ...req.headers, ...headers, origin } })
          expect(res.status, `${req.method ?? 'GET'} ${req.path}`).toBe(403)
          expect(res.json().error.message).toMatch(/Origin .* not allowed/)
          expect(res.headers['access-control-allow-origin']).toBeUndefined()
        }
      }
      const preflight = await raw(server.port, { method: 'OPTIONS', path: '/mcp', headers: { origin, 'access-control-request-method': 'POST' } })
      expect(preflight.status).toBe(403)
    },
  )

  it('a forged Origin cannot use a live session: the call is refused and nothing is sent', async () => {
    const toolCall = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'sendMessageToFriend', arguments: { nickname: '老张', message: 'from a web page' } } })
    const res = await raw(server.port, {
      method: 'POST',
      path: '/mcp',
      headers: { ...STREAMABLE_HEADERS, ...bearer(TOKEN), 'mcp-session-id': mcpSessionId, origin: 'http://attacker.example' },
      body: toolCall,
    })
    expect(res.status).toBe(403)
    expect(server.auditLines().filter((l) => l.text === 'from a web page')).toEqual([])
  })

  it('CORS: an allowed origin gets its own origin back with Mcp-Session-Id exposed; preflight needs no token', async () => {
    const preflight = await raw(server.port, {
      method: 'OPTIONS',
      path: '/mcp',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, mcp-session-id' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN)
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Authorization/)
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Mcp-Session-Id/)
    expect(preflight.headers.vary).toMatch(/Origin/)

    const res = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, ...bearer(TOKEN), origin: ALLOWED_ORIGIN }, body: INITIALIZE })
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN)
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/Mcp-Session-Id/)
    expect(res.headers['mcp-session-id']).toBeTruthy()
    // The token is still required from an allowed origin.
    const noToken = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, origin: ALLOWED_ORIGIN }, body: INITIALIZE })
    expect(noToken.status).toBe(401)
    expect(noToken.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN)
  })

  it('no Origin (a CLI or desktop client) → no CORS headers at all; never "*"', async () => {
    const res = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, ...bearer(TOKEN) }, body: INITIALIZE })
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('binding beyond loopback', () => {
  it.each(['0.0.0.0', '192.168.1.20', '::'])('HOST=%s without MCP_AUTH_TOKEN refuses to start, saying how to set one', async (host) => {
    const { code, stderr } = await runCli(['serve'], { HOST: host, PORT: '0', WECHATY_PUPPET: 'mock' })
    expect(code).toBe(1)
    expect(stderr).toContain(`HOST="${host}"`)
    expect(stderr).toMatch(/set MCP_AUTH_TOKEN to a long random value \(e\.g\. `openssl rand -hex 32`\)/)
  })

  it('a token shorter than 16 characters is refused, and the value is not echoed', async () => {
    const { code, stderr } = await runCli(['serve'], { HOST: '127.0.0.1', PORT: '0', WECHATY_PUPPET: 'mock', MCP_AUTH_TOKEN: 'short-secret' })
    expect(code).toBe(1)
    expect(stderr).toMatch(/MCP_AUTH_TOKEN=.*at least 16 characters/)
    expect(stderr).not.toContain('short-secret')
  })
})
