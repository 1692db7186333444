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
import { describe, expect, it } from 'vitest'
import { call, ownMessages, structured } from '../helpers/clients.js'
import { confirmRig, lastAudit } from '../helpers/confirm.js'
import { nextLog } from '../helpers/conversation.js'
import { writeFixture, type RunningServer } from '../helpers/server.js'

const FIXTURE = { self: { name: 'Me' }, contacts: [{ id: 'c-zhang', name: '张三', alias: '老张' }], rooms: [] }
/** Debug logs: `message kept` says when a send reached `me`. */
const SERVING = { WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), WECHAT_CONFIRM_VIA: 'client', LOG_LEVEL: 'debug' }

const fileDir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-confirm-me-'))
const FILE = path.join(fileDir, 'report.txt')
writeFileSync(FILE, 'the report\n')

/** What this account put into File Transfer, read back as the owner conversation `me`. */
const inMe = (client: Client) => ownMessages(client, { id: 'me' })

/** Calls sendMessageToMe and, when it went out, waits until its echo is kept in `me` (so reading it back cannot race). */
async function sendToMe(server: RunningServer, client: Client, args: Record<string, string>): Promise<CallToolResult> {
  const kept = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
  kept.catch(() => undefined)
  const r = await call(client, 'sendMessageToMe', args)
  if (structured(r).sent === true) await kept
  return r
}

describe('sendMessageToMe under WECHAT_CONFIRM_SENDS=all (File Transfer, WECHAT_CONFIRM_VIA=client)', () => {
  const answer: { current: ElicitResult } = { current: { action: 'accept', content: {} } }
  const rig = confirmRig({ ...SERVING, WECHAT_CONFIRM_SENDS: 'all', WECHAT_FILE_DIRS: fileDir }, { current: async () => answer.current })

  it('asks the person in the client, and sends to File Transfer on accept', async () => {
    answer.current = { action: 'accept', content: {} }
    const r = await sendToMe(rig.server, rig.asking.client, { message: 'me: the build is done' })
    expect(r.isError).toBeFalsy()
    expect(structured(r)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'client' })
    expect(rig.asking.questions.at(-1)).toBe('Send to "Me (the user)" (yourself, id "me"):\n«me: the build is done»\n\nSend it?')
    expect(await inMe(rig.plain)).toContain('me: the build is done')
    expect(lastAudit(rig.server, 'me: the build is done')).toMatchObject({ ok: true, confirmed_by: 'client', target: { id: 'filehelper' } })
  })

  it('sends nothing when the person declines', async () => {
    answer.current = { action: 'decline' }
    const r = await sendToMe(rig.server, rig.asking.client, { message: 'me: declined note' })
    expect(r.isError).toBe(true)
    expect(structured(r)).toMatchObject({ sent: false, error: 'declined' })
    expect(lastAudit(rig.server, 'me: declined note')).toMatchObject({ ok: false, confirmation: 'declined', asked: 'client', target: { id: 'me' } })
    // A later accepted send has reached `me` by now; the declined one never does.
    answer.current = { action: 'accept', content: {} }
    expect(structured(await sendToMe(rig.server, rig.asking.client, { message: 'me: after the decline' }))).toMatchObject({ sent: true })
    const mine = await inMe(rig.plain)
    expect(mine).toContain('me: after the decline')
    expect(mine).not.toContain('me: declined note')
  })

  it('previews for a client that cannot be asked, then sends exactly that with the id', async () => {
    const message = 'me: preview then confirm'
    const first = await sendToMe(rig.server, rig.plain, { message })
    expect(structured(first)).toMatchObject({ sent: false, error: 'confirmation_required', confirmation: { id: expect.stringMatching(/^c-/) } })
    expect((first.content[0] as { text: string }).text).toContain('Send to "Me (the user)" (yourself, id "me"):\n«me: preview then confirm»')
    expect(lastAudit(rig.server, message)).toMatchObject({ ok: false, confirmation: 'confirmation_required' })
    const id = structured(first).confirmation.id as string
    const sent = await sendToMe(rig.server, rig.plain, { message, confirm: id })
    expect(structured(sent)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'preview' })
    expect(await inMe(rig.plain)).toContain(message)
    expect(lastAudit(rig.server, message)).toMatchObject({ ok: true, confirmed_by: 'preview' })
  })

  it('refuses a tampered text, an id from another session, and a reused id', async () => {
    const first = await sendToMe(rig.server, rig.plain, { message: 'me: the original' })
    const tampered = await sendToMe(rig.server, rig.plain, { message: 'me: the tampered', confirm: structured(first).confirmation.id })
    expect(structured(tampered)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    expect((tampered.content[0] as { text: string }).text).toMatch(/the text or file differs/)
    expect(lastAudit(rig.server, 'me: the tampered')).toMatchObject({ ok: false, confirmation: 'confirmation_invalid' })

    const second = await sendToMe(rig.server, rig.plain, { message: 'me: the original' })
    const elsewhere = await sendToMe(rig.server, rig.other, { message: 'me: the original', confirm: structured(second).confirmation.id })
    expect(structured(elsewhere)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    expect((elsewhere.content[0] as { text: string }).text).toMatch(/another MCP session/)
    // Spent by the failed try: the right session cannot use it afterwards either.
    const reused = await sendToMe(rig.server, rig.plain, { message: 'me: the original', confirm: structured(second).confirmation.id })
    expect(structured(reused)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
    const mine = await inMe(rig.plain)
    expect(mine).not.toContain('me: the tampered')
    expect(mine).not.toContain('me: the original')
  })

  it('previews a file by its bytes and sends it with its message on the id', async () => {
    const first = await sendToMe(rig.server, rig.plain, { message: 'me: the report', path: FILE })
    expect(structured(first)).toMatchObject({ sent: false, error: 'confirmation_required', file: { name: 'report.txt', size: 11 } })
    expect((first.content[0] as { text: string }).text).toContain('the file "report.txt" (11 bytes)\nthen the caption:\n«me: the report»')
    const sent = await sendToMe(rig.server, rig.plain, { message: 'me: the report', path: FILE, confirm: structured(first).confirmation.id })
    expect(structured(sent)).toMatchObject({ sent: true, road: 'filehelper', confirmedBy: 'preview', file: { name: 'report.txt' } })
    expect(rig.server.auditLines().filter((l) => l.file === 'report.txt').at(-1)).toMatchObject({ ok: true, confirmed_by: 'preview' })
    expect(lastAudit(rig.server, 'me: the report')).toMatchObject({ ok: true, confirmed_by: 'preview' })
  })
})

describe('sendMessageToMe under WECHAT_CONFIRM_SENDS=others', () => {
  const rig = confirmRig({ ...SERVING, WECHAT_CONFIRM_SENDS: 'others' }, { current: async () => ({ action: 'decline' }) })

  it('sends without asking anyone', async () => {
    const r = await sendToMe(rig.server, rig.asking.client, { message: 'me: unasked' })
    expect(structured(r)).toMatchObject({ sent: true, road: 'filehelper' })
    expect(structured(r).confirmedBy).toBeUndefined()
    expect(rig.asking.questions).toEqual([])
    expect(await inMe(rig.asking.client)).toContain('me: unasked')
    const line = lastAudit(rig.server, 'me: unasked')
    expect(line).toMatchObject({ ok: true })
    expect(line!.confirmed_by).toBeUndefined()
  })
})
