/**
 * Isolation: 50 sessions, half legacy SSE and half Streamable HTTP, interleaved, each asking about its own person
 * and room. Their JSON-RPC ids collide on purpose (every client counts from 0), so a response delivered to the wrong
 * session would be accepted by the SDK client: only the content tells, and each must see only its own answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'
import { call, connect, TRANSPORTS } from '../helpers/clients.js'

const SESSIONS = 50
const ROUNDS = 4
const pad = (i: number) => String(i).padStart(2, '0')
const alias = (i: number) => `alias-${pad(i)}-q`
const topic = (i: number) => `room-${pad(i)}-q`

let server: RunningServer
const clients: Client[] = []

beforeAll(async () => {
  const fixture = {
    self: { name: 'me' },
    contacts: Array.from({ length: SESSIONS }, (_, i) => ({ id: `c-${pad(i)}`, name: `Person ${pad(i)}`, alias: alias(i) })),
    rooms: Array.from({ length: SESSIONS }, (_, i) => ({ id: `r-${pad(i)}`, topic: topic(i), members: [`c-${pad(i)}`] })),
  }
  server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture) })
  // Connected concurrently, so session set-up is interleaved too.
  clients.push(...(await Promise.all(Array.from({ length: SESSIONS }, (_, i) => connect(server.url, TRANSPORTS[i % 2])))))
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await server?.stop()
})

describe('50 interleaved sessions over both transports', () => {
  it('every response reaches only its caller', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { sessions: Record<string, number> }
    expect(health.sessions).toEqual({ sse: SESSIONS / 2, streamableHttp: SESSIONS / 2 })

    for (let round = 0; round < ROUNDS; round++) {
      // A different interleaving each round: sessions fire in a rotated order, friend and room calls mixed.
      const order = Array.from({ length: SESSIONS }, (_, k) => (k * 7 + round * 13) % SESSIONS)
      const answers = await Promise.all(
        order.flatMap((i) => [
          call(clients[i], 'findFriend', { nickname: alias(i) }).then((r) => ({ i, kind: 'friend' as const, r })),
          call(clients[i], 'findRoom', { topic: topic(i) }).then((r) => ({ i, kind: 'room' as const, r })),
        ]),
      )
      for (const { i, kind, r } of answers) {
        expect(r.isError, `session ${i} ${kind}`).toBeFalsy()
        if (kind === 'friend') {
          expect(r.structuredContent, `session ${i}`).toEqual({ query: alias(i), exactCount: 1, friends: [{ id: `c-${pad(i)}`, name: `Person ${pad(i)}`, alias: alias(i), match: 'exact' }] })
        } else {
          expect(r.structuredContent, `session ${i}`).toEqual({ query: topic(i), exactCount: 1, rooms: [{ id: `r-${pad(i)}`, topic: topic(i), memberCount: 2, match: 'exact' }] })
        }
      }
    }
  })
})
