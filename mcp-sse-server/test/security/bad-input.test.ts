/**
 * Bad input against the running server (token set): each gets the right status or JSON-RPC error, never a crash.
 * Then a bounded fuzz run over both transports, after which the server still answers, its memory has not run
 * away, and nothing unhandled or secret reached its logs.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as z from 'zod'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { call, connect, TRANSPORTS } from '../helpers/clients.js'
import { INITIALIZE, openSse, raw, STREAMABLE_HEADERS, type RawResponse } from './raw-http.js'

const TOKEN = 'fuzz-test-token-a1b2c3d4e5f60718'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const OVER_4MB = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4 * 1024 * 1024 + 10) } })
/**
 * A fixed number of cases, never a time budget: a loaded machine runs them slower, not fewer, and the test asserts
 * nothing about throughput.
 */
const FUZZ_RUNS = 3000
const WARMUP_RUNS = 1000
/**
 * After the warm-up, the RSS high-water mark still moves with garbage (300 KB strings, 4 MB bodies) before V8 gives
 * it back: ~40-80 MB was seen, and a third pass brought it down again. A leak of 25 KB per request, or of any body,
 * would pass this bound.
 */
const RSS_GROWTH_BOUND_MB = 96

let server: RunningServer
let sse: { sessionId: string; close: () => void }
let mcpSessionId: string

const rssMb = () => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)![1]) / 1024

async function streamableSession(): Promise<string> {
  const res = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, ...AUTH }, body: INITIALIZE })
  const id = res.headers['mcp-session-id'] as string
  await raw(server.port, {
    method: 'POST',
    path: '/mcp',
    headers: { ...STREAMABLE_HEADERS, ...AUTH, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  })
  return id
}

beforeAll(async () => {
  server = await startServer({ MCP_AUTH_TOKEN: TOKEN })
  sse = await openSse(server.port, AUTH)
  mcpSessionId = await streamableSession()
})
afterAll(async () => {
  sse?.close()
  await server?.stop()
})

const inSession = () => ({ ...STREAMABLE_HEADERS, ...AUTH, 'mcp-session-id': mcpSessionId, 'mcp-protocol-version': '2025-06-18' })
const errorOf = (res: RawResponse) => res.json().error as { code: number; message: string }

describe('bad input', () => {
  it('bodies over 4 MB → 413 with a JSON-RPC error, on /messages and /mcp, in a session or not', async () => {
    for (const [path, headers] of [
      [`/messages?sessionId=${sse.sessionId}`, { 'content-type': 'application/json', ...AUTH }],
      ['/mcp', { ...STREAMABLE_HEADERS, ...AUTH }],
      ['/mcp', inSession()],
    ] as const) {
      const res = await raw(server.port, { method: 'POST', path, headers, body: OVER_4MB })
      expect(res.status, path).toBe(413)
      expect(errorOf(res).message).toMatch(/limited to 4 MB/)
    }
  })

  it('malformed JSON → 400 with a JSON-RPC parse error (-32700) on both transports', async () => {
    for (const body of ['{', '{"jsonrpc":"2.0",', 'nul', '\u0000\u0001', '{"a":1}}']) {
      for (const [path, headers] of [
        [`/messages?sessionId=${sse.sessionId}`, { 'content-type': 'application/json', ...AUTH }],
        ['/mcp', inSession()],
      ] as const) {
        const res = await raw(server.port, { method: 'POST', path, headers, body })
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400)
        expect(errorOf(res)).toMatchObject({ code: -32700 })
      }
    }
  })

  it('wrong JSON-RPC shapes are refused with 4xx, not a crash', async () => {
    // An empty batch carries no message at all: the SDK acknowledges it with 202 and nothing happens.
    expect((await raw(server.port, { method: 'POST', path: '/mcp', headers: inSession(), body: '[]' })).status).toBe(202)
    for (const body of ['[1,2]', '{}', '{"jsonrpc":"1.0","id":1,"method":"ping"}', '{"jsonrpc":"2.0","id":{},"method":"ping"}', '{"jsonrpc":"2.0","method":42}', '123', 'true']) {
      const streamable = await raw(server.port, { method: 'POST', path: '/mcp', headers: inSession(), body })
      expect(streamable.status, `/mcp ${body}`).toBeGreaterThanOrEqual(400)
      expect(streamable.status, `/mcp ${body}`).toBeLessThan(500)
      const legacy = await raw(server.port, { method: 'POST', path: `/messages?sessionId=${sse.sessionId}`, headers: { 'content-type': 'application/json', ...AUTH }, body })
      expect(legacy.status, `/messages ${body}`).toBeGreaterThanOrEqual(400)
      expect(legacy.status, `/messages ${body}`).toBeLessThan(500)
    }
  })

  it('/messages never echoes a body it refuses: a JSON-RPC error in JSON, whatever was sent', async () => {
    const canary = '<script>alert("canary-7f3e")</script>'
    for (const [contentType, body] of [
      ['application/json', JSON.stringify([canary, 'canary-7f3e'])],
      ['application/json', JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping', params: { x: canary } }])],
      ['application/json', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 42, note: canary })],
      ['application/json', JSON.stringify(canary)],
      ['text/plain', canary],
      ['text/html', `{"jsonrpc":"2.0","id":1,"method":"ping","x":${JSON.stringify(canary)}}`],
    ]) {
      const res = await raw(server.port, { method: 'POST', path: `/messages?sessionId=${sse.sessionId}`, headers: { 'content-type': contentType, ...AUTH }, body })
      expect(res.status, body).toBe(400)
      expect(res.body, body).not.toContain('canary-7f3e')
      expect(res.headers['content-type'], body).toMatch(/^application\/json/)
      // express.json refuses a top-level string itself (-32700); everything else is the route's own -32600.
      expect([-32600, -32700], body).toContain(errorOf(res).code)
    }
    // A good message still goes through.
    const ping = await raw(server.port, { method: 'POST', path: `/messages?sessionId=${sse.sessionId}`, headers: { 'content-type': 'application/json', ...AUTH }, body: '{"jsonrpc":"2.0","id":5,"method":"ping"}' })
    expect(ping.status).toBe(202)
  })

  it.each(TRANSPORTS)('over %s: a message of only zero-width, control or blank characters, or with a lone surrogate, is refused and never sent', async (kind) => {
    const client = await connect(server.url, kind, TOKEN)
    await client.listTools()
    const sentBefore = server.auditLines().filter((l) => l.ok === true).length
    for (const message of ['\u200b\u200b', '\u0000\u0007\u001b', '\u2066\u2069\ufeff\u3164', '\ud800', `${kind} fine \udc00 except this`]) {
      for (const [tool, args] of [
        ['sendMessageToFriend', { nickname: '老张', message }],
        ['sendMessageToRoom', { topic: '家庭群', message }],
      ] as const) {
        const result = await call(client, tool, args)
        expect(result.isError, `${tool} ${JSON.stringify(message)}`).toBe(true)
        expect(result.structuredContent, `${tool} ${JSON.stringify(message)}`).toMatchObject({ sent: false, error: 'invalid_message' })
      }
    }
    expect(server.auditLines().filter((l) => l.ok === true)).toHaveLength(sentBefore)
    await client.close()
  })

  it.each(TRANSPORTS)('over %s: an unknown method → -32601; wrong parameter types → a validation error, never a crash', async (kind) => {
    const client = await connect(server.url, kind, TOKEN)
    const unknown = await client.request({ method: 'wechat/steal', params: {} }, z.object({})).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(McpError)
    expect((unknown as McpError).code).toBe(-32601)

    for (const [name, args] of [
      ['findFriend', { nickname: 123 }],
      ['findFriend', { nickname: '' }],
      ['findFriend', { nickname: ['a'], limit: 'lots' }],
      ['findRoom', {}],
      ['findRoom', { topic: 'x', limit: -1 }],
      ['sendMessageToFriend', { nickname: '老张', message: { text: 'hi' } }],
      ['sendMessageToRoom', { topic: null, message: 'hi' }],
      ['sendMessageToFriend', { nickname: '老张', id: 'both', message: 'hi' }],
      ['noSuchTool', {}],
    ] as const) {
      const outcome = await call(client, name, args as Record<string, unknown>).then(
        (r) => ({ isError: r.isError, code: undefined as number | undefined }),
        (e: unknown) => ({ isError: true, code: (e as McpError).code }),
      )
      expect(outcome.isError, `${name} ${JSON.stringify(args)}`).toBe(true)
      if (outcome.code !== undefined) expect(outcome.code).toBe(-32602)
    }
    for (const [method, params] of [
      ['tools/call', { name: 42, arguments: 'nope' }],
      ['tools/call', {}],
      ['tools/list', { cursor: 7 }],
    ] as const) {
      const refused = await client.request({ method, params } as never, z.object({})).catch((e: unknown) => e)
      expect(refused, method).toBeInstanceOf(McpError)
      expect((refused as McpError).code, `${method} ${JSON.stringify(params)}`).toBe(-32602)
      expect((refused as McpError).message).toMatch(new RegExp(`Invalid params for ${method}`))
    }
    expect((await call(client, 'findFriend', { nickname: 'Bob' })).isError).toBeFalsy()
    await client.close()
    expect(server.auditLines().filter((l) => l.ok === true)).toEqual([])
  })

  it('unknown and wrong-transport session ids → 404 and 400', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000'
    expect((await raw(server.port, { method: 'POST', path: `/messages?sessionId=${unknown}`, headers: { 'content-type': 'application/json', ...AUTH }, body: '{}' })).status).toBe(404)
    expect((await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...inSession(), 'mcp-session-id': unknown }, body: '{}' })).status).toBe(404)
    const crossToMcp = await raw(server.port, { method: 'POST', path: '/mcp', headers: { ...inSession(), 'mcp-session-id': sse.sessionId }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' })
    expect(crossToMcp.status).toBe(400)
    expect(errorOf(crossToMcp).message).toMatch(/belongs to the legacy SSE/)
    for (const method of ['GET', 'DELETE']) {
      expect((await raw(server.port, { method, path: '/mcp', headers: { ...AUTH, 'mcp-session-id': sse.sessionId } })).status).toBe(400)
    }
    const crossToMessages = await raw(server.port, { method: 'POST', path: `/messages?sessionId=${mcpSessionId}`, headers: { 'content-type': 'application/json', ...AUTH }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' })
    expect(crossToMessages.status).toBe(400)
    expect(errorOf(crossToMessages).message).toMatch(/belongs to the Streamable HTTP/)
    expect((await raw(server.port, { method: 'POST', path: '/messages?sessionId=a&sessionId=b', headers: { 'content-type': 'application/json', ...AUTH }, body: '{}' })).status).toBe(400)
  })
})

/**
 * Each fuzz request comes from its own loopback address: a third of them carry a wrong token, and from one address
 * the server would soon answer everything with 429 (the wrong-token limit), which would leave the rest untested.
 */
let sources = 0
const nextSource = () => `127.1.${(++sources >> 8) & 255}.${sources & 255}`

describe('fuzz', () => {
  it(`${FUZZ_RUNS} generated requests across both transports: no 5xx, still healthy, no leak, nothing unhandled or secret logged`, async () => {
    const methods = ['initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'prompts/get', 'notifications/initialized', 'notifications/cancelled', 'completion/complete', 'logging/setLevel']
    const text = fc.string({ unit: 'grapheme', maxLength: 60 })
    const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 40 })
    const jsonRpcish = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), text, fc.integer()),
        id: fc.oneof(fc.integer(), text, fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
        method: fc.oneof(fc.constantFrom(...methods), text),
        params: fc.oneof(
          fc.record({ name: fc.constantFrom('findFriend', 'findRoom', 'getLoginStatus', 'sendMessageToFriend', 'nope'), arguments: fc.dictionary(fc.constantFrom('nickname', 'topic', 'id', 'message', 'limit'), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }),
          fc.jsonValue({ maxDepth: 3 }),
        ),
      },
      { requiredKeys: [] },
    )
    const body = fc.oneof(
      jsonRpcish.map((v) => JSON.stringify(v)),
      fc.array(jsonRpcish, { maxLength: 4 }).map((v) => JSON.stringify(v)),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      text,
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'grapheme', minLength: 0, maxLength: 3 }).map((s) => `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"s":"${s}`),
      fc.nat({ max: 300_000 }).map((n) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'findFriend', arguments: { nickname: 'x'.repeat(n) } } })),
    )
    const target = fc.constantFrom('mcp', 'mcp-in-session', 'messages', 'messages-unknown', 'mcp-get', 'mcp-delete', 'sse-junk-query')
    const auth = fc.oneof({ weight: 6, arbitrary: fc.constant(AUTH) }, fc.constant({}), headerText.map((t) => ({ authorization: `Bearer ${t}` })), fc.constant({ authorization: `Bearer ${TOKEN} ` }), fc.constant({ authorization: `bearer  ${TOKEN}x` }))
    const extraHeaders = fc.record(
      {
        'content-type': fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data'), headerText),
        accept: fc.oneof(fc.constantFrom('application/json, text/event-stream', 'text/event-stream', 'application/json', '*/*'), headerText),
        'mcp-protocol-version': fc.oneof(fc.constantFrom('2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01'), headerText),
        'mcp-session-id': headerText,
        'last-event-id': headerText,
      },
      { requiredKeys: [] },
    )

    // Rarely: the doors (most requests must get past them to reach the transports) and compressed bodies.
    const rareHeaders = fc.oneof(
      { weight: 12, arbitrary: fc.constant({}) },
      fc.record({ origin: fc.constantFrom('http://attacker.example', 'null', `http://localhost:${server.port}`) }),
      fc.record({ host: fc.constantFrom('attacker.example', `localhost:${server.port}`) }),
      fc.record({ 'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity') }),
    )

    let cases = 0
    const statuses = new Map<number, number>()
    const fuzz = (numRuns: number) =>
      fc.assert(
      fc.asyncProperty(target, body, auth, extraHeaders, rareHeaders, async (where, payload, authHeader, headers, rare) => {
        cases++
        const base: Record<string, string> = { ...headers, ...rare, ...authHeader }
        let res: RawResponse
        switch (where) {
          case 'mcp':
            res = await raw(server.port, { localAddress: nextSource(), method: 'POST', path: '/mcp', headers: base, body: payload })
            break
          case 'mcp-in-session':
            res = await raw(server.port, { localAddress: nextSource(), method: 'POST', path: '/mcp', headers: { ...base, 'mcp-session-id': mcpSessionId }, body: payload, streamFirstChunk: true })
            break
          case 'messages':
            res = await raw(server.port, { localAddress: nextSource(), method: 'POST', path: `/messages?sessionId=${sse.sessionId}`, headers: base, body: payload })
            break
          case 'messages-unknown':
            res = await raw(server.port, { localAddress: nextSource(), method: 'POST', path: `/messages?sessionId=${encodeURIComponent(String(headers['mcp-session-id'] ?? ''))}`, headers: base, body: payload })
            break
          case 'mcp-get':
            res = await raw(server.port, { localAddress: nextSource(), path: '/mcp', headers: { ...base, 'mcp-session-id': headers['mcp-session-id'] ?? mcpSessionId }, streamFirstChunk: true })
            break
          case 'mcp-delete':
            // Never the live session: the fuzz run keeps using it.
            res = await raw(server.port, { localAddress: nextSource(), method: 'DELETE', path: '/mcp', headers: { ...base, 'mcp-session-id': headers['mcp-session-id'] ?? 'not-a-session' } })
            break
          case 'sse-junk-query':
            res = await raw(server.port, { localAddress: nextSource(), path: `/sse?${encodeURIComponent([...String(payload)].slice(0, 60).join(''))}`, headers: base, streamFirstChunk: true })
            break
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        expect(res.status, `${where} ${JSON.stringify(headers)} ${String(payload).slice(0, 200)}`).toBeLessThan(500)
        if (String(res.headers['content-type']).startsWith('application/json') && res.body) expect(() => JSON.parse(res.body)).not.toThrow()
        expect(res.body).not.toContain(TOKEN)
      }),
      { numRuns },
    )
    // A first pass warms up (JIT, caches, V8 heap sizing); memory is measured across the second, longer one.
    await fuzz(WARMUP_RUNS)
    const rssBefore = rssMb()
    await fuzz(FUZZ_RUNS - WARMUP_RUNS)
    expect(cases).toBe(FUZZ_RUNS)

    const health = await raw(server.port, { path: '/health' })
    expect(health.status).toBe(200)
    // Legacy streams the fuzz opened and hung up on are gone; a generated initialize may have left a real session.
    expect(health.json().sessions.sse).toBe(1)
    // The sessions the fuzz did not kill still work.
    const client = await connect(server.url, 'streamableHttp', TOKEN)
    expect((await call(client, 'findFriend', { nickname: '老张' })).isError).toBeFalsy()
    await client.close()
    const rssAfter = rssMb()
    console.log(`fuzz: ${cases} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}, RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`)
    expect(rssAfter - rssBefore).toBeLessThan(RSS_GROWTH_BOUND_MB)

    const output = server.stdout() + server.stderr()
    expect(output).not.toMatch(/unhandled promise rejection|uncaught exception/i)
    expect(output).not.toContain(TOKEN)
    expect(server.child.exitCode).toBeNull()
  }, 600_000)
})
