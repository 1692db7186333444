/**
 * Wrong MCP_AUTH_TOKEN guesses are limited per client address: a few are free, then 429 with Retry-After for a time
 * that doubles, at every door that takes the token (MCP routes, login page), without ever comparing a token from a
 * refused address and without logging one. Requests without a token are not guesses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN_GUARD_DEFAULTS, TokenGuard } from '../../src/http/token-guard.js'
import { startServer, type RunningServer } from '../helpers/server.js'
import { connect } from '../helpers/clients.js'
import { INITIALIZE, raw, STREAMABLE_HEADERS } from './raw-http.js'

describe('TokenGuard', () => {
  const clock = () => {
    let now = 1_000_000
    return { now: () => now, advance: (ms: number) => (now += ms) }
  }

  it('lets the free mistakes through, then refuses for a time that doubles up to the cap', () => {
    const time = clock()
    const guard = new TokenGuard(undefined, { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, now: time.now })
    for (let i = 0; i < 3; i++) {
      guard.failed('10.0.0.1')
      expect(guard.retryAfterS('10.0.0.1')).toBe(0)
    }
    const waits: number[] = []
    for (let i = 0; i < 6; i++) {
      guard.failed('10.0.0.1')
      waits.push(guard.retryAfterS('10.0.0.1'))
      time.advance(waits.at(-1)! * 1000)
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8])
    // Other addresses are not affected.
    expect(guard.retryAfterS('10.0.0.2')).toBe(0)
  })

  it('forgets an address that stopped guessing', () => {
    const time = clock()
    const guard = new TokenGuard(undefined, { freeFailures: 1, forgetAfterMs: 60_000, now: time.now })
    guard.failed('a')
    guard.failed('a')
    expect(guard.retryAfterS('a')).toBe(1)
    time.advance(60_000)
    expect(guard.retryAfterS('a')).toBe(0)
    guard.failed('a')
    expect(guard.retryAfterS('a')).toBe(0) // counted afresh: the first mistake is free again
  })

  it('remembers a bounded number of addresses, dropping the stalest', () => {
    const time = clock()
    const guard = new TokenGuard(undefined, { freeFailures: 0, maxAddresses: 3, maxDelayMs: 3_600_000, now: time.now })
    for (const a of ['a', 'b', 'c', 'd']) guard.failed(a)
    expect(guard.retryAfterS('a')).toBe(0)
    expect(['b', 'c', 'd'].map((a) => guard.retryAfterS(a))).toEqual([1, 1, 1])
  })
})

describe('on the running server', () => {
  const TOKEN = 'guess-limit-test-token-0123456789abcdef'
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ MCP_AUTH_TOKEN: TOKEN })
  })
  afterAll(async () => {
    await server?.stop()
  })

  const post = (authorization?: string) =>
    raw(server.port, { method: 'POST', path: '/mcp', headers: { ...STREAMABLE_HEADERS, ...(authorization ? { authorization } : {}) }, body: INITIALIZE })

  it(`after ${TOKEN_GUARD_DEFAULTS.freeFailures} wrong tokens, 429 with Retry-After at every door, the right token included; no token is logged`, async () => {
    const wrong = (i: number) => `Bearer wrong-guess-${i}-0123456789abcdef`
    for (let i = 0; i < TOKEN_GUARD_DEFAULTS.freeFailures; i++) expect((await post(wrong(i))).status, `guess ${i + 1}`).toBe(401)
    // The guess past the allowance is answered as wrong, and closes the door for a while.
    expect((await post(wrong(99))).status).toBe(401)

    const refused = await post(`Bearer ${TOKEN}`)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(refused.json().error.message).toMatch(/Too many wrong MCP_AUTH_TOKEN values from this address: try again in \d+ s/)
    expect((await raw(server.port, { path: '/sse', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429)
    expect((await raw(server.port, { path: `/login?token=${TOKEN}` })).status).toBe(429)
    expect((await raw(server.port, { path: '/login/state', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429)

    // Without a token it is no guess: the client still learns what the server needs.
    const bare = await post()
    expect(bare.status).toBe(401)
    expect(bare.json().error.message).toMatch(/Authorization: Bearer <MCP_AUTH_TOKEN>/)
    // /health stays open.
    expect((await raw(server.port, { path: '/health' })).status).toBe(200)

    const warning = await server.waitForLog((l) => l.component === 'auth' && l.level === 40)
    expect(warning).toMatchObject({ address: expect.stringMatching(/127\.0\.0\.1/), wrongTokens: TOKEN_GUARD_DEFAULTS.freeFailures + 1 })
    const output = server.stdout() + server.stderr()
    expect(output).not.toContain(TOKEN)
    expect(output).not.toContain('wrong-guess-')
  })

  it('a real client with the right token gets in again once the wait is over', async () => {
    const wait = Number((await post(`Bearer ${TOKEN}`)).headers['retry-after'] ?? 0)
    // The first block is the shortest (1 s): wait it out, measured by the server's own answer.
    expect(wait).toBeLessThanOrEqual(2)
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100))
    const client = await connect(server.url, 'streamableHttp', TOKEN)
    expect((await client.listTools()).tools.length).toBeGreaterThan(0)
    await client.close()
  })
})
