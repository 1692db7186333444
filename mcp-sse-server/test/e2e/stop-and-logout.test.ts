/**
 * Shutdown and logout say what happened to the sends still waiting for their turn, and a saved login that cannot be
 * used is reported by the server itself: through the real server and an SDK client that listed the tools (so every
 * answer is checked against its output schema).
 */
import { readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { call, connect, text } from '../helpers/clients.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

/** Ten minutes between sends: a queued send answered within the test's timeout was not answered at its turn. */
const SLOW = { WECHAT_SEND_MIN_INTERVAL_MS: '600000', LOG_LEVEL: 'debug' }
/** Each test starts a real server; a loaded machine can take a while, and the pacing is far longer still. */
const E2E_TIMEOUT_MS = 120_000

async function listedClient(url: string): Promise<Client> {
  const client = await connect(url, 'streamableHttp')
  await client.listTools()
  return client
}

/** Sends one message that goes out at once, then `count` more that wait behind the pacing. */
async function queueBehindPacing(server: RunningServer, client: Client, count: number): Promise<Array<Promise<CallToolResult>>> {
  expect((await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'goes now' })).structuredContent).toMatchObject({ sent: true })
  const queued: Array<Promise<CallToolResult>> = []
  for (let i = 1; i <= count; i++) {
    queued.push(call(client, 'sendMessageToRoom', { topic: '家庭群', message: `queued ${i}` }))
    await server.waitForLog((l) => l.msg === 'WeChat send queued behind pacing' && l.waiting === i)
  }
  return queued
}

describe('queued sends at logout', () => {
  it('are answered not_logged_in at once, not send_failed after their pacing turn', async () => {
    const server = await startServer(SLOW)
    try {
      const client = await listedClient(server.url)
      const queued = await queueBehindPacing(server, client, 2)
      expect((await fetch(`${server.url}/sandbox/logout`, { method: 'POST' })).status).toBe(202)
      for (const answer of await Promise.all(queued)) {
        expect(answer.isError).toBe(true)
        expect(answer.structuredContent).toMatchObject({ sent: false, error: 'not_logged_in' })
        expect(text(answer)).toMatch(/^Not sent: WeChat logged out while this message waited for its turn in the outbound queue; it did not go out\. .*scan/)
      }
      expect(server.auditLines().map((l) => [l.text, l.ok])).toEqual([
        ['goes now', true],
        ['queued 1', false],
        ['queued 2', false],
      ])
      await client.close()
    } finally {
      await server.stop()
    }
  }, E2E_TIMEOUT_MS)
})

describe('queued sends at shutdown', () => {
  it('are answered cancelled, saying the server is stopping', async () => {
    const server = await startServer(SLOW)
    const client = await listedClient(server.url)
    const [queued] = await queueBehindPacing(server, client, 1)
    const exited = server.stop('SIGTERM')
    const answer = await queued
    expect(answer.structuredContent).toMatchObject({ sent: false, error: 'cancelled' })
    expect(text(answer)).toMatch(/^Not sent: the server is stopping, and this message was still waiting for its turn .* it did not go out\. Send it again once the server is back\./)
    expect(await exited).toBe(0)
    expect(server.auditLines().at(-1)).toMatchObject({ text: 'queued 1', ok: false, error: expect.stringContaining('the server is stopping') })
  }, E2E_TIMEOUT_MS)
})

describe('a corrupt memory card', () => {
  it('is reported in the JSON log and /health, and moved aside for inspection', async () => {
    const dataDir = tempDir()
    // The sandbox keeps its Wechaty memory card as sandbox.memory-card.json; a long login delay keeps the state visible.
    writeFileSync(path.join(dataDir, 'sandbox.memory-card.json'), '{"PUPPET-MOCK":{"cookie":"half wri')
    const fixture = writeFixture({ self: { name: '我' }, loginDelayMs: 3_600_000, contacts: [{ name: '张三' }] }, tempDir())
    const server = await startServer({ DATA_DIR: dataDir, WECHAT_MOCK_FIXTURE: fixture }, { waitForLogin: false })
    try {
      const logged = await server.waitForLog((l) => l.msg === 'WeChat memory card unusable; the login has to be scanned again')
      expect(logged).toMatchObject({ level: 50, error: expect.stringMatching(/^the saved WeChat login \(memory card\) is corrupt: not valid JSON/) })
      const health = await (await fetch(`${server.url}/health`)).json()
      expect(health).toMatchObject({
        status: 'degraded',
        audit: { status: 'writable' },
        memoryCard: { status: 'corrupt', error: expect.stringContaining('a new QR scan is needed'), movedTo: expect.stringMatching(/^sandbox\.memory-card\.json\.corrupt-/) },
      })
      expect(JSON.stringify(health)).not.toContain(dataDir)
      expect(readdirSync(dataDir).filter((n) => n.startsWith('sandbox.memory-card.json.corrupt-'))).toHaveLength(1)
    } finally {
      await server.stop()
    }
  }, E2E_TIMEOUT_MS)
})
