/**
 * The owner conversation on the iLink road, in the running server against the fake iLink server on 127.0.0.1 (which
 * checks every request as WeChat would): with ClawBot logged in, `auto` takes it over File Transfer; text and files
 * reach the owner through ClawBot (the file through the encrypted CDN upload, decrypted and compared by the fake);
 * waitForMyReply returns the owner's message and not ClawBot's echo of the agent's own; past ClawBot's budget a send
 * is refused at once with what to do. Every result is checked against the tool's outputSchema by the SDK client.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, structured, text } from '../helpers/clients.js'
import { nextLog } from '../helpers/conversation.js'
import { FakeIlink } from '../helpers/fake-ilink.js'
import { PNG } from '../helpers/files.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

describe('sendMessageToMe and waitForMyReply through ClawBot', { timeout: 120_000 }, () => {
  const files = tempDir('wechat-mcp-owner-ilink-')
  let fake: FakeIlink
  let server: RunningServer
  let client: Client
  beforeAll(async () => {
    writeFileSync(path.join(files, 'chart.png'), PNG)
    fake = await FakeIlink.start()
    server = await startServer({
      ILINK_ENABLED: 'true',
      ILINK_BASE_URL: fake.url,
      ILINK_CDN_URL: fake.cdnUrl,
      ILINK_MAX_PER_OWNER_MESSAGE: '3',
      WECHAT_MOCK_FIXTURE: writeFixture({ self: { name: 'Owner' }, contacts: [{ name: 'Bob' }] }),
      WECHAT_FILE_DIRS: files,
      LOG_LEVEL: 'debug',
    })
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'waiting_for_scan')
    fake.scan()
    fake.confirm()
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'logged_in')
    client = await connect(server.url, 'streamableHttp')
    await client.listTools()
  })
  afterAll(async () => {
    await client?.close()
    await server?.stop()
    expect(fake?.violations).toEqual([])
    await fake?.close()
  })

  it('is refused at once before the owner ever wrote to ClawBot, with what to do, and audited', async () => {
    const early = await call(client, 'sendMessageToMe', { message: 'too early' })
    expect(early.isError).toBe(true)
    expect(early.structuredContent).toMatchObject({ sent: false, road: 'ilink', error: 'road_unavailable' })
    expect(text(early)).toContain('Send any message to ClawBot in WeChat, then retry.')
    expect(fake.sent).toEqual([])
    expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToMe', target: { id: 'me' }, text: 'too early', ok: false })
  })

  it('asks through ClawBot, and returns the owner\'s answer, not its own echo', async () => {
    const opened = nextLog(server, (l) => l.msg === 'message kept' && l.road === 'ilink' && l.self === false)
    fake.ownerSays('I am around')
    await opened

    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'me')
    let settled = false
    const waiting = call(client, 'waitForMyReply', { timeoutSeconds: 60 }).finally(() => (settled = true))
    await started
    const echoed = nextLog(server, (l) => l.msg === 'message kept' && l.road === 'ilink' && l.self === true)
    const asked = await call(client, 'sendMessageToMe', { message: 'Deploy to production?' })
    expect(asked.isError, text(asked)).toBeFalsy()
    expect(asked.structuredContent).toMatchObject({ sent: true, road: 'ilink' })
    expect(text(asked)).toContain('through ClawBot (iLink)')
    expect(fake.sent.map((s) => s.item)).toEqual([{ type: 1, text_item: { text: 'Deploy to production?' } }])
    expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToMe', target: { id: 'me' }, text: 'Deploy to production?', ok: true })
    await echoed
    await call(client, 'getLoginStatus')
    expect(settled).toBe(false)

    fake.ownerSays('yes, go')
    const reply = await waiting
    expect(reply.structuredContent).toMatchObject({ status: 'replied', road: 'ilink', message: { chat: { id: 'me' }, text: 'yes, go', sender: { id: 'me', self: false } } })

    const history = await call(client, 'getRecentMessages', { id: 'me', since: structured(asked).sentAt })
    expect(structured(history).messages.map((m: any) => [m.sender.self, m.text])).toEqual([
      [true, 'Deploy to production?'],
      [false, 'yes, go'],
    ])
  })

  it('sends a file through the encrypted upload, then its text; past the budget, refuses at once', async () => {
    const before = fake.sent.length
    const sent = await call(client, 'sendMessageToMe', { message: 'the chart', path: path.join(files, 'chart.png') })
    expect(sent.isError, text(sent)).toBeFalsy()
    expect(sent.structuredContent).toMatchObject({ sent: true, road: 'ilink', file: { name: 'chart.png', mediaType: 'image/png' } })
    expect(fake.uploads.at(-1)!.bytes.equals(PNG)).toBe(true)
    expect(fake.sent.slice(before).map((s) => s.item.type)).toEqual([2, 1])

    // The owner's "yes, go" allowed three messages: the file and its text were two, one is left.
    expect((await call(client, 'sendMessageToMe', { message: 'one more' })).structuredContent).toMatchObject({ sent: true })
    const over = await call(client, 'sendMessageToMe', { message: 'and another' })
    expect(over.isError).toBe(true)
    expect(over.structuredContent).toMatchObject({ sent: false, road: 'ilink', error: 'road_unavailable' })
    expect(text(over)).toContain('ClawBot')
    expect(fake.sent.length).toBe(before + 3)
  })

  it('with ClawBot on a server of its own (ILINK_BASE_URL), the sandbox says plainly that it cannot type for the owner there', async () => {
    const res = await fetch(`${server.url}/sandbox/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'me', text: 'hi' }) })
    expect(res.status).toBe(409)
    expect((await res.json()).error).toContain('ilink')
  })
})
