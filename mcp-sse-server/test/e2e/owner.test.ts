/**
 * The owner conversation through real MCP clients against the sandbox, on the web road's File Transfer: the agent
 * writes to the user (sendMessageToMe), the user answers by typing in File Transfer on their phone (the sandbox's
 * `POST /sandbox/messages {"from":"me"}`), and waitForMyReply returns that answer and never the agent's own words,
 * which WeChat reports exactly like the user's. The same conversation is the chat `me` in the inbox tools. Every
 * client lists the tools first, so the SDK checks every result (refusals too) against the tool's outputSchema.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, structured, text, type TransportKind, TRANSPORTS } from '../helpers/clients.js'
import { inbound, nextLog } from '../helpers/conversation.js'
import { PNG } from '../helpers/files.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

const fixture = { self: { name: 'Owner' }, contacts: [{ id: 'c-bob', name: 'Bob' }] }

async function connectListed(server: RunningServer, kind: TransportKind): Promise<Client> {
  const client = await connect(server.url, kind)
  // Listing makes the SDK client validate every later result against the tool's outputSchema.
  await client.listTools()
  return client
}

/** The owner types `text` in File Transfer; resolves once the server kept it in the chat `me`. */
async function ownerSays(server: RunningServer, text: string): Promise<void> {
  const kept = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === false)
  const res = await inbound(server, { from: 'me', text })
  expect(res.status, await res.clone().text()).toBe(200)
  await kept
}

describe('on the File Transfer road', { timeout: 120_000 }, () => {
  const files = tempDir('wechat-mcp-owner-files-')
  let server: RunningServer
  beforeAll(async () => {
    writeFileSync(path.join(files, 'chart.png'), PNG)
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), LOG_LEVEL: 'debug', WECHAT_WAIT_PROGRESS_S: '1', WECHAT_FILE_DIRS: files })
  })
  afterAll(async () => {
    await server?.stop()
  })

  describe.each(TRANSPORTS)('over %s', (kind) => {
    let client: Client
    beforeAll(async () => {
      client = await connectListed(server, kind)
    })
    afterAll(async () => {
      await client?.close()
    })

    it('asks the user, is not woken by its own message, and returns the answer typed on the phone', async () => {
      const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'me')
      let settled = false
      const waiting = call(client, 'waitForMyReply', { timeoutSeconds: 60 }).finally(() => (settled = true))
      await started

      const echoed = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
      const asked = await call(client, 'sendMessageToMe', { message: `Deploy to production (${kind})? Reply yes or no.` })
      expect(asked.isError, text(asked)).toBeFalsy()
      expect(asked.structuredContent).toMatchObject({ sent: true, road: 'filehelper' })
      expect(text(asked)).toContain('to the user through File Transfer')
      // The mock delivered it to File Transfer and WeChat reported it back as this account's message: not an answer.
      await echoed
      await call(client, 'getLoginStatus')
      expect(settled).toBe(false)
      expect(server.auditLines().at(-1)).toMatchObject({
        tool: 'sendMessageToMe',
        target: { type: 'contact', id: 'filehelper' },
        text: `Deploy to production (${kind})? Reply yes or no.`,
        ok: true,
      })

      await ownerSays(server, `yes (${kind})`)
      const reply = await waiting
      expect(reply.isError, text(reply)).toBeFalsy()
      expect(reply.structuredContent).toMatchObject({
        status: 'replied',
        road: 'filehelper',
        message: { chat: { id: 'me' }, text: `yes (${kind})`, sender: { id: 'me', self: false } },
      })
      expect(text(reply)).toContain(`"the user" (id "me"): "yes (${kind})"`)
    })

    it('takes the user typing the very words the agent sent as the user, once the echo was seen', async () => {
      const words = `same words ${kind}`
      const echoed = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
      const sent = await call(client, 'sendMessageToMe', { message: words })
      await echoed
      await ownerSays(server, words)
      const reply = await call(client, 'waitForMyReply', { since: structured(sent).sentAt, timeoutSeconds: 60 })
      expect(reply.structuredContent).toMatchObject({ status: 'replied', message: { text: words, sender: { self: false } } })
    })

    it('with `since` returns an answer that came before the wait, without it waits for a new one', async () => {
      const asked = await call(client, 'sendMessageToMe', { message: `Quick question (${kind})?` })
      const sentAt = structured(asked).sentAt as string
      await ownerSays(server, `early answer (${kind})`)
      const early = await call(client, 'waitForMyReply', { since: sentAt, timeoutSeconds: 60 })
      expect(early.structuredContent).toMatchObject({ status: 'replied', message: { text: `early answer (${kind})` } })

      // From now: the answer already read does not count again.
      const late = await call(client, 'waitForMyReply', { timeoutSeconds: 1 })
      expect(late.isError).toBeFalsy()
      expect(late.structuredContent).toMatchObject({ status: 'timeout', road: 'filehelper', timeoutSeconds: 1 })
      expect(text(late)).toContain('has not answered within 1 s')

      const bad = await call(client, 'waitForMyReply', { since: 'yesterday' })
      expect(bad.isError).toBe(true)
      expect(bad.structuredContent).toMatchObject({ error: 'invalid_argument' })
      expect(text(bad)).toContain('ISO 8601')
    })

    it('sends progress notifications while waiting', async () => {
      const progress: Array<{ progress: number; total?: number; message?: string }> = []
      let answered = false
      const result = (await client.callTool({ name: 'waitForMyReply', arguments: { timeoutSeconds: 120 } }, undefined, {
        resetTimeoutOnProgress: true,
        onprogress: (p) => {
          progress.push(p)
          if (!answered) {
            answered = true
            void inbound(server, { from: 'me', text: `here (${kind})` })
          }
        },
      })) as CallToolResult
      expect(result.structuredContent).toMatchObject({ status: 'replied', message: { text: `here (${kind})` } })
      expect(progress[0]).toMatchObject({ total: 120 })
      expect(progress[0].message).toContain('waiting for a reply from "Me (the user)"')
    })

    it('stops waiting and frees the waiter when the client cancels', async () => {
      const controller = new AbortController()
      const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'me')
      const waiting = client.callTool({ name: 'waitForMyReply', arguments: { timeoutSeconds: 600 } }, undefined, { signal: controller.signal })
      await started
      const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'me')
      controller.abort('the user changed their mind')
      await expect(waiting).rejects.toThrow()
      expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
    })
  })

  describe('the chat "me"', () => {
    let client: Client
    beforeAll(async () => {
      client = await connectListed(server, 'streamableHttp')
    })
    afterAll(async () => {
      await client?.close()
    })

    it('holds both sides under the id "me" in listRecentChats and getRecentMessages, and File Transfer is not a chat of its own', async () => {
      const echoed = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
      const sent = await call(client, 'sendMessageToMe', { message: 'Report is ready.' })
      await echoed
      await ownerSays(server, 'thanks!')

      const chats = structured(await call(client, 'listRecentChats', {})).chats as any[]
      expect(chats[0]).toMatchObject({ chat: { type: 'contact', id: 'me', name: 'Me (the user)' }, unread: 1, lastMessage: { text: 'thanks!' } })
      expect(chats.some((c) => c.chat.id === 'filehelper')).toBe(false)

      const history = await call(client, 'getRecentMessages', { id: 'me', since: structured(sent).sentAt })
      expect(history.isError, text(history)).toBeFalsy()
      expect(structured(history).messages.map((m: any) => [m.sender.self, m.text])).toEqual([
        [true, 'Report is ready.'],
        [false, 'thanks!'],
      ])
      expect(text(history)).toContain('the agent, to the user: "Report is ready."')
      expect((structured(await call(client, 'listRecentChats', {})).chats as any[])[0].unread).toBe(0)
    })

    it('sends a file to the user, audited, and its echo is not an answer', async () => {
      const echoes = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true && l.type !== 'text')
      const sent = await call(client, 'sendMessageToMe', { message: 'The chart you asked for.', path: path.join(files, 'chart.png') })
      expect(sent.isError, text(sent)).toBeFalsy()
      expect(sent.structuredContent).toMatchObject({ sent: true, road: 'filehelper', file: { name: 'chart.png', mediaType: 'image/png' } })
      expect(text(sent)).toMatch(/Sent the file "chart.png" to the user through File Transfer.*with its caption/)
      await echoes
      const audit = server.auditLines().slice(-2)
      expect(audit[0]).toMatchObject({ tool: 'sendMessageToMe', target: { id: 'filehelper' }, file: 'chart.png', ok: true })
      expect(audit[1]).toMatchObject({ tool: 'sendMessageToMe', target: { id: 'filehelper' }, text: 'The chart you asked for.', ok: true })
      const wait = await call(client, 'waitForMyReply', { since: structured(sent).sentAt, timeoutSeconds: 1 })
      expect(wait.structuredContent).toMatchObject({ status: 'timeout' })
    })

    it('refuses a bad file request with what to do, audited', async () => {
      const both = await call(client, 'sendMessageToMe', { message: 'x', url: 'https://example.invalid/a.png', path: '/tmp/a.png' })
      expect(both.isError).toBe(true)
      expect(both.structuredContent).toMatchObject({ sent: false, error: 'invalid_message' })
      expect(text(both)).toContain('exactly one of `url` or `path`')
      const orphanName = await call(client, 'sendMessageToMe', { message: 'x', name: 'a.png' })
      expect(orphanName.structuredContent).toMatchObject({ sent: false, error: 'invalid_message' })
      expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToMe', ok: false, target: { id: 'me' } })
    })

    it('answers the sandbox plainly when the owner message names a room', async () => {
      const res = await inbound(server, { from: 'me', room: 'anything', text: 'hi' })
      expect(res.status).toBe(400)
      expect((await res.json()).error).toContain('leave out "room"')
    })
  })
})

describe('WECHAT_OWNER_ROAD=ilink while the iLink road is off', { timeout: 120_000 }, () => {
  let server: RunningServer
  let client: Client
  beforeAll(async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), WECHAT_OWNER_ROAD: 'ilink' })
    client = await connectListed(server, 'streamableHttp')
  })
  afterAll(async () => {
    await client?.close()
    await server?.stop()
  })

  it('refuses to send or wait, says how to turn the road on, and never falls back to File Transfer', async () => {
    const sent = await call(client, 'sendMessageToMe', { message: 'hello me' })
    expect(sent.isError).toBe(true)
    expect(sent.structuredContent).toMatchObject({ sent: false, error: 'road_unavailable' })
    expect(text(sent)).toContain('ILINK_ENABLED=true')
    expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToMe', text: 'hello me', ok: false })

    const wait = await call(client, 'waitForMyReply', { timeoutSeconds: 5 })
    expect(wait.isError).toBe(true)
    expect(wait.structuredContent).toEqual({ error: 'road_unavailable' })
    expect(text(wait)).toContain('WECHAT_OWNER_ROAD=ilink')

    const history = await call(client, 'getRecentMessages', { id: 'me' })
    expect(history.isError).toBe(true)
    expect(text(history)).toContain('ILINK_ENABLED=true')

    const injected = await inbound(server, { from: 'me', text: 'hi' })
    expect(injected.status).toBe(409)
    expect((await injected.json()).error).toContain('ILINK_ENABLED=true')
  })
})
