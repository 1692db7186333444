/**
 * Where a send's words are written: once, at the edge (wechat/send-text.ts). These run the real tools over the real
 * sender, owner conversation and iLink outbox (fake WeChat and ClawBot underneath) and check what the model reads,
 * that the caption's fate and the road are told from facts, and that the audit log and the tool say the same sentence.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import * as z from 'zod'
import { describe, expect, it } from 'vitest'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { OwnerConversation } from '../../src/owner/owner-conversation.js'
import { IlinkOutbox } from '../../src/roads/ilink/outbox.js'
import type { IlinkSendResult } from '../../src/roads/ilink/road.js'
import type { SendCheck } from '../../src/roads/ilink/window.js'
import type { ToolDeps } from '../../src/tools/lib/define.js'
import sendFileToFriend from '../../src/tools/send-file-to-friend.js'
import sendMessageToFriend from '../../src/tools/send-message-to-friend.js'
import sendMessageToMe from '../../src/tools/send-message-to-me.js'
import { AuditLog } from '../../src/wechat/audit.js'
import { Pacer } from '../../src/wechat/pacer.js'
import { refusalText } from '../../src/wechat/send-text.js'
import { SendUnconfirmedError } from '../../src/roads/road.js'
import { configFrom } from '../notify/helpers.js'
import { buildSender, type SenderHarnessOptions } from '../helpers/sender.js'
import { tempDir } from '../helpers/server.js'

const extra = {} as never
const text = (result: CallToolResult) => (result.content[0] as { text: string }).text
const meOutput = z.object(sendMessageToMe.outputSchema)
const fileOutput = z.object(sendFileToFriend.outputSchema)

/** A file in an allowed directory, and the config that allows it. */
function fileToSend() {
  const dir = tempDir()
  writeFileSync(path.join(dir, 'notes.txt'), 'the notes')
  return { path: path.join(dir, 'notes.txt'), config: configFrom({ DATA_DIR: tempDir(), WECHAT_FILE_DIRS: dir }) }
}

/** The owner conversation on File Transfer: the web road is the only one, over the real sender. */
function onFileTransfer(options: SenderHarnessOptions = {}) {
  const harness = buildSender(options)
  const owner = new OwnerConversation({ setting: 'auto', roads: { has: (id) => id === 'web', isLoggedIn: () => true, hint: () => '' }, sender: harness.sender })
  return { ...harness, owner }
}

/** The owner conversation on ClawBot: the real outbox, pacer and audit log over a fake road with a budget of `budget` sends. */
function onClawBot(
  budget: number,
  answer: () => IlinkSendResult = () => ({ ok: true, sentAt: '2026-12-02T00:00:00.000Z', messageId: 'm' }),
  log?: ConstructorParameters<typeof IlinkOutbox>[2],
) {
  let sent = 0
  const road = {
    canSend: (queued = 0): SendCheck =>
      sent + queued < budget ? { ok: true } : { ok: false, code: 'budget_spent', detail: `ClawBot has sent ${budget} messages since your last message. Send any message to ClawBot in WeChat, then retry.` },
    sendToOwner: async (): Promise<IlinkSendResult> => (sent++, answer()),
  }
  const audit = new AuditLog(tempDir())
  const outbox = new IlinkOutbox(road, new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax: 10 }), log ?? audit)
  const { sender } = buildSender()
  const owner = new OwnerConversation({ setting: 'auto', roads: { has: () => true, isLoggedIn: () => true, hint: () => '' }, sender, ilink: outbox })
  const auditLines = async () => {
    await audit.flushed()
    return readFileSync(audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  }
  return { owner, auditLines }
}

describe('sendMessageToMe names the road, not the chat that carries it', () => {
  it('on File Transfer: "to the user through File Transfer", whatever the chat is called in WeChat', async () => {
    const { owner } = onFileTransfer()
    const result = await sendMessageToMe.handler({ message: 'done' }, { owner } as ToolDeps, extra)
    expect(text(result)).toBe('Sent to the user through File Transfer (文件传输助手).')
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: true, road: 'filehelper' })
  })

  it('on ClawBot: "to the user through ClawBot (iLink)", and a file with its caption', async () => {
    const { owner } = onClawBot(10)
    expect(text(await sendMessageToMe.handler({ message: 'done' }, { owner } as ToolDeps, extra))).toBe('Sent to the user through ClawBot (iLink).')
    const file = fileToSend()
    const result = await sendMessageToMe.handler({ message: 'the notes', path: file.path }, { owner, config: file.config } as ToolDeps, extra)
    expect(text(result)).toBe('Sent the file "notes.txt" to the user through ClawBot (iLink) with its caption.')
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: true, road: 'ilink', file: { name: 'notes.txt' } })
  })
})

/** WeChat takes the file, then fails the caption sent right after it. */
function secondSayFails() {
  let calls = 0
  return async () => {
    if (++calls === 2) throw new Error('network down')
  }
}

describe('a file whose caption did not follow', () => {
  it('on the web road: the file went, the caption\'s own reason is given, and the audit line says the same', async () => {
    const { owner, auditLines } = onFileTransfer({ say: secondSayFails() })
    const file = fileToSend()
    const result = await sendMessageToMe.handler({ message: 'read this', path: file.path }, { owner, config: file.config } as ToolDeps, extra)
    const why = 'sending to "文件传输助手" failed at WeChat: "network down". It was not delivered.'
    expect(text(result)).toBe(`Sent the file "notes.txt" to the user through File Transfer (文件传输助手), but not its caption (${why}).`)
    expect(result.isError).toBe(true)
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: false, error: 'send_failed', road: 'filehelper', file: { name: 'notes.txt' } })
    expect(auditLines().map((l) => [l.ok, l.error])).toEqual([
      [true, undefined],
      [false, `Not sent: ${why}`],
    ])
  })

  it('to a friend: not "sent" either, as for the user themself; the caption\'s code, the file and who got it are told', async () => {
    const { sender, auditLines } = buildSender({ say: secondSayFails() })
    const file = fileToSend()
    // The twins' target fields (`nickname` | `id`) are not in the factory's static argument type.
    const args = { id: 'c2', path: file.path, caption: 'read this' } as Parameters<typeof sendFileToFriend.handler>[0]
    const result = await sendFileToFriend.handler(args, { sender, config: file.config } as ToolDeps, extra)
    const why = 'sending to "Bob" failed at WeChat: "network down". It was not delivered.'
    expect(text(result)).toBe(`Sent the file "notes.txt" to "Bob", but not its caption (${why}).`)
    expect(result.isError).toBe(true)
    expect(fileOutput.parse(result.structuredContent)).toMatchObject({ sent: false, error: 'send_failed', target: { id: 'c2', name: 'Bob' }, file: { name: 'notes.txt' } })
    expect(auditLines().map((l) => [l.ok, l.error])).toEqual([
      [true, undefined],
      [false, `Not sent: ${why}`],
    ])
  })

  it('on ClawBot: the budget ran out after the file; the caption is refused with what to do, audited in the same words', async () => {
    const { owner, auditLines } = onClawBot(1)
    const file = fileToSend()
    const result = await sendMessageToMe.handler({ message: 'read this', path: file.path }, { owner, config: file.config } as ToolDeps, extra)
    const why = 'ClawBot has sent 1 messages since your last message. Send any message to ClawBot in WeChat, then retry.'
    expect(text(result)).toBe(`Sent the file "notes.txt" to the user through ClawBot (iLink), but not its caption (${why}).`)
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: false, error: 'road_unavailable', road: 'ilink', file: { name: 'notes.txt' } })
    expect((await auditLines()).map((l) => [l.file ?? l.text, l.ok, l.error])).toEqual([
      ['notes.txt', true, undefined],
      ['read this', false, `Not sent: ${why}`],
    ])
  })
})

describe('what the outbox reports is not rewritten on the way', () => {
  it('a ClawBot send that went out unrecorded says so, as a web send would', async () => {
    // The log was writable when the message left (the probe passed), and then failed on its line.
    const audit = { record: async () => false, blocking: async () => undefined, ensureWritable: async () => undefined, health: { ok: true } as const }
    const { owner } = onClawBot(10, undefined, audit)
    const result = await sendMessageToMe.handler({ message: 'hi' }, { owner } as ToolDeps, extra)
    expect(text(result)).toBe(
      'Sent to the user through ClawBot (iLink). But its audit line could not be written (the write failed); no further WeChat message goes out until DATA_DIR is writable again. Tell the user.',
    )
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: true, road: 'ilink' })
  })

  it('ClawBot\'s refusal reaches the model as its reason with one lead, never two', async () => {
    const { owner } = onClawBot(10, () => ({ ok: false, code: 'send_failed', detail: 'WeChat refused the message (ret -2).' }))
    const result = await sendMessageToMe.handler({ message: 'hi' }, { owner } as ToolDeps, extra)
    expect(text(result)).toBe('Not sent: WeChat refused the message (ret -2).')
    expect(meOutput.parse(result.structuredContent)).toMatchObject({ sent: false, error: 'send_failed', road: 'ilink' })
  })
})

describe('the audit log and the tool say the same sentence', () => {
  it.each([
    ['not found', { nickname: '王五', message: 'hi' }, 'not_found'],
    ['empty', { nickname: '老张', message: ' ' }, 'invalid_message'],
    ['both names', { nickname: '老张', id: 'c1', message: 'hi' }, 'invalid_message'],
  ])('%s', async (_name, args, code) => {
    const { sender, auditLines } = buildSender()
    const result = await sendMessageToFriend.handler(args, { sender } as ToolDeps, extra)
    expect(result.structuredContent).toMatchObject({ sent: false, error: code })
    expect(text(result)).toMatch(/^Not sent: /)
    expect(auditLines()).toEqual([expect.objectContaining({ ok: false, error: text(result) })])
  })

  it('WeChat took it but did not confirm in time: "not confirmed" (it may still arrive), never "not sent"', async () => {
    const { sender, auditLines } = buildSender({
      say: async () => {
        throw new SendUnconfirmedError(60)
      },
    })
    const result = await sendMessageToFriend.handler({ id: 'c2', message: 'hi' } as Parameters<typeof sendMessageToFriend.handler>[0], { sender } as ToolDeps, extra)
    expect(text(result)).toBe('Not confirmed: WeChat did not confirm the message to "Bob" within 60 s; it may still arrive. Check the chat before sending it again.')
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'send_failed', target: { id: 'c2' } })
    expect(auditLines()).toEqual([expect.objectContaining({ ok: false, error: text(result) })])
  })

  it('a caption WeChat did not confirm is not called unsent either', async () => {
    let calls = 0
    const { sender } = buildSender({
      say: async () => {
        if (++calls === 2) throw new SendUnconfirmedError(60)
      },
    })
    const file = fileToSend()
    const args = { id: 'c2', path: file.path, caption: 'read this' } as Parameters<typeof sendFileToFriend.handler>[0]
    const result = await sendFileToFriend.handler(args, { sender, config: file.config } as ToolDeps, extra)
    expect(text(result)).toBe(
      'Sent the file "notes.txt" to "Bob", but its caption is not confirmed (WeChat did not confirm the message to "Bob" within 60 s; it may still arrive. Check the chat before sending it again.).',
    )
  })

  it('ClawBot that did not answer: "not confirmed", in the tool and the audit line alike', async () => {
    const detail = 'iLink sendmessage failed: timeout. Check ClawBot in WeChat before sending again (it may have arrived if WeChat answered late).'
    const { owner, auditLines } = onClawBot(10, () => ({ ok: false, code: 'send_failed', unconfirmed: true, detail }))
    const result = await sendMessageToMe.handler({ message: 'hi' }, { owner } as ToolDeps, extra)
    expect(text(result)).toBe(`Not confirmed: ${detail}`)
    expect((await auditLines()).map((l) => l.error)).toEqual([`Not confirmed: ${detail}`])
  })

  it('a preview is "not sent yet"; every other refusal is "not sent"', () => {
    expect(refusalText({ code: 'confirmation_required', detail: 'show the user this.' })).toBe('Not sent yet: show the user this.')
    expect(refusalText({ code: 'declined', detail: 'the user declined it.' })).toBe('Not sent: the user declined it.')
  })
})
