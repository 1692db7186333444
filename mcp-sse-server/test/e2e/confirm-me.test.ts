/**
 * sendMessageToMe under WECHAT_CONFIRM_SENDS, against the running sandbox (File Transfer carries the owner
 * conversation): under `all` it is approved like every other send (in the client, or by a preview bound to the
 * session, the recipient `me` and the exact text or file), under `others` it goes out unasked. Each case checks what
 * the tool answered, what reached File Transfer (read back as the chat `me`) and what the audit log says.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { askingClient, call, listingClient } from '../helpers/clients.js'
import { nextLog } from '../helpers/conversation.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const FIXTURE = { self: { name: 'Me' }, contacts: [{ id: 'c-zhang', name: '张三', alias: '老张' }], rooms: [] }

const fileDir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-confirm-me-'))
const FILE = path.join(fileDir, 'report.txt')
writeFileSync(FILE, 'the report\n')

function structured(r: CallToolResult): Record<string, any> {
  return r.structuredContent as Record<string, any>
}

/** What this account put into File Transfer, read back as the owner conversation `me`. */
async function inMe(client: Client): Promise<string[]> {
  const r = await call(client, 'getRecentMessages', { id: 'me' })
  return (structured(r).messages as Array<{ sender: { self: boolean }; text?: string; fileName?: string }>).filter((m) => m.sender.self).map((m) => m.text ?? `[file ${m.fileName}]`)
}

/** Calls sendMessageToMe and, when it went out, waits until its echo is kept in `me` (so reading it back cannot race). */
async function sendToMe(server: RunningServer, client: Client, args: Record<string, string>): Promise<CallToolResult> {
  const kept = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
  kept.catch(() => undefined)
  const r = await call(client, 'sendMessageToMe', args)
  if (structured(r).sent === true) await kept
  return r
}

function lastAudit(server: RunningServer, text: string): Record<string, unknown> | undefined {
  return server.auditLines().filter((l) => l.text === text).at(-1)
}

describe('sendMessageToMe under WECHAT_CONFIRM_SENDS=all (File Transfer, WECHAT_CONFIRM_VIA=client)', () => {
  let server: RunningServer
  let asking: { client: Client; questions: string[] }
  let plain: Client
  let other: Client
  const answer: { current: ElicitResult } = { current: { action: 'accept', content: {} } }

  beforeAll(async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), WECHAT_CONFIRM_SENDS: 'all', WECHAT_CONFIRM_VIA: 'client', WECHAT_FILE_DIRS: fileDir, LOG_LEVEL: 'debug' })
    asking = await askingClient(server.url, 'streamableHttp', { current: async () => answer.current })
    plain = await listingClient(server.url)
    other = await listingClient(server.url)
  }, 60_000)

  afterAll(async () => {
    for (const c of [asking?.client, plain, other]) await c?.close().catch(() => undefined)
    await server?.stop()
  })

  it('asks the person in the client, and sends to File Transfer on accept', async () => {
    answer.current = { action: 'accept', content: {} }
    const r = await sendToMe(server, asking.client, { message: 'me: the build is done' })
    expect(r.isError).toBeFalsy()
    expect(structured(r)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'client' })
    expect(asking.questions.at(-1)).toBe('Send to "Me (the user)" (yourself, id "me"):\n«me: the build is done»\n\nSend it?')
    expect(await inMe(plain)).toContain('me: the build is done')
    expect(lastAudit(server, 'me: the build is done')).toMatchObject({ ok: true, confirmed_by: 'client', target: { id: 'filehelper' } })
  })

  it('sends nothing when the person declines', async () => {
    answer.current = { action: 'decline' }
    const r = await sendToMe(server, asking.client, { message: 'me: declined note' })
    expect(r.isError).toBe(true)
    expect(structured(r)).toMatchObject({ sent: false, error: 'declined' })
    expect(lastAudit(server, 'me: declined note')).toMatchObject({ ok: false, confirmation: 'declined', asked: 'client', target: { id: 'me' } })
    // A later accepted send has reached `me` by now; the declined one never does.
    answer.current = { action: 'accept', content: {} }
    expect(structured(await sendToMe(server, asking.client, { message: 'me: after the decline' }))).toMatchObject({ sent: true })
    const mine = await inMe(plain)
    expect(mine).toContain('me: after the decline')
    expect(mine).not.toContain('me: declined note')
  })

  it('previews for a client that cannot be asked, then sends exactly that with the id', async () => {
    const message = 'me: preview then confirm'
    const first = await sendToMe(server, plain, { message })
    expect(structured(first)).toMatchObject({ sent: false, error: 'confirmation_required', confirmation: { id: expect.stringMatching(/^c-/) } })
    expect((first.content[0] as { text: string }).text).toContain('Send to "Me (the user)" (yourself, id "me"):\n«me: preview then confirm»')
    expect(lastAudit(server, message)).toMatchObject({ ok: false, confirmation: 'confirmation_required' })
    const id = structured(first).confirmation.id as string
    const sent = await sendToMe(server, plain, { message, confirm: id })
    expect(structured(sent)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'preview' })
    expect(await inMe(plain)).toContain(message)
    expect(lastAudit(server, message)).toMatchObject({ ok: true, confirmed_by: 'preview' })
  })

  it('refuses a tampered text, an id from another session, and a reused id', async () => {
    const first = await sendToMe(server, plain, { message: 'me: the original' })
    const tampered = await sendToMe(server, plain, { message: 'me: the tampered', confirm: structured(first).confirmation.id })
    expect(structured(tampered)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    expect((tampered.content[0] as { text: string }).text).toMatch(/the text or file differs/)
    expect(lastAudit(server, 'me: the tampered')).toMatchObject({ ok: false, confirmation: 'confirmation_invalid' })

    const second = await sendToMe(server, plain, { message: 'me: the original' })
    const elsewhere = await sendToMe(server, other, { message: 'me: the original', confirm: structured(second).confirmation.id })
    expect(structured(elsewhere)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    expect((elsewhere.content[0] as { text: string }).text).toMatch(/another MCP session/)
    // Spent by the failed try: the right session cannot use it afterwards either.
    const reused = await sendToMe(server, plain, { message: 'me: the original', confirm: structured(second).confirmation.id })
    expect(structured(reused)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    const mine = await inMe(plain)
    expect(mine).not.toContain('me: the tampered')
    expect(mine).not.toContain('me: the original')
  })

  it('previews a file by its bytes and sends it with its message on the id', async () => {
    const first = await sendToMe(server, plain, { message: 'me: the report', path: FILE })
    expect(structured(first)).toMatchObject({ sent: false, error: 'confirmation_required', file: { name: 'report.txt', size: 11 } })
    expect((first.content[0] as { text: string }).text).toContain('the file "report.txt" (11 bytes)\nthen the caption:\n«me: the report»')
    const sent = await sendToMe(server, plain, { message: 'me: the report', path: FILE, confirm: structured(first).confirmation.id })
    expect(structured(sent)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'preview', file: { name: 'report.txt' } })
    expect(server.auditLines().filter((l) => l.file === 'report.txt').at(-1)).toMatchObject({ ok: true, confirmed_by: 'preview' })
    expect(lastAudit(server, 'me: the report')).toMatchObject({ ok: true, confirmed_by: 'preview' })
  })
})

describe('sendMessageToMe under WECHAT_CONFIRM_SENDS=others', () => {
  let server: RunningServer
  let asking: { client: Client; questions: string[] }

  beforeAll(async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), WECHAT_CONFIRM_SENDS: 'others', WECHAT_CONFIRM_VIA: 'client', LOG_LEVEL: 'debug' })
    asking = await askingClient(server.url, 'streamableHttp', { current: async () => ({ action: 'decline' }) })
  }, 60_000)

  afterAll(async () => {
    await asking?.client.close().catch(() => undefined)
    await server?.stop()
  })

  it('sends without asking anyone', async () => {
    const r = await sendToMe(server, asking.client, { message: 'me: unasked' })
    expect(structured(r)).toMatchObject({ sent: true, road: 'filehelper' })
    expect(structured(r).confirmedBy).toBeUndefined()
    expect(asking.questions).toEqual([])
    expect(await inMe(asking.client)).toContain('me: unasked')
    const line = lastAudit(server, 'me: unasked')
    expect(line).toMatchObject({ ok: true })
    expect(line!.confirmed_by).toBeUndefined()
  })
})
