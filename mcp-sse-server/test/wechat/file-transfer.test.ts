/**
 * File Transfer is not a name anyone can take: its id `filehelper` and its own names (filehelper, 文件传输助手, File
 * Transfer) mean the user's own chat and nothing else, whoever else carries those names as nickname or remark.
 */
import { describe, expect, it } from 'vitest'
import { wechatChannel } from '../../src/notify/wechat-channel.js'
import type { ContactEntry } from '../../src/wechat/directory.js'
import type { SendRequest } from '../../src/wechat/sender.js'
import { sendText } from '../../src/wechat/send-text.js'
import { buildSender } from '../helpers/sender.js'
import { configFrom } from '../notify/helpers.js'

/** As a real account has it: File Transfer is no friend in WeChat's flags. */
const FILE_TRANSFER: ContactEntry = { id: 'filehelper', name: '文件传输助手', friend: false }
const IMPOSTORS: ContactEntry[] = [
  { id: 'c-en', name: 'filehelper', friend: true },
  { id: 'c-cn', name: '文件传输助手', friend: true },
  { id: 'c-remark', name: 'Bob', alias: 'File Transfer', friend: true },
  { id: 'c-spaced', name: '  FILEHELPER ', friend: true },
]
const NAMES = ['filehelper', '文件传输助手', 'File Transfer', ' FILE TRANSFER ', 'Filehelper']

const toFriend = (target: SendRequest['target'], text = 'note'): SendRequest => ({ tool: 'sendMessageToFriend', kind: 'contact', target, text })

describe('File Transfer by name', () => {
  it.each(NAMES)('%j finds File Transfer alone as the exact match; the friends carrying the name are partial', (name) => {
    const { directory } = buildSender({ contacts: [FILE_TRANSFER, ...IMPOSTORS] })
    const found = directory.findFriends(name)
    expect(found.exact.map((c) => c.id)).toEqual(['filehelper'])
    expect(found.partial.map((c) => c.id)).not.toContain('filehelper')
    expect(directory.resolveFriend({ name })).toEqual({ ok: true, entry: FILE_TRANSFER })
  })

  it.each(NAMES)('a send to %j goes to File Transfer, never to a friend who took the name', async (name) => {
    const { sender, said } = buildSender({ contacts: [FILE_TRANSFER, ...IMPOSTORS], repeatWindowS: 0 })
    const result = await sender.send(toFriend({ name }))
    expect(result).toMatchObject({ ok: true, target: { id: 'filehelper' } })
    expect(said.map((s) => s.id)).toEqual(['filehelper'])
  })

  it('without File Transfer in the address book the name finds nobody: the friends who took it stay partial', async () => {
    const { sender, said, directory } = buildSender({ contacts: IMPOSTORS })
    expect(directory.findFriends('filehelper').exact).toEqual([])
    const result = await sender.send(toFriend({ name: 'filehelper' }))
    expect(result).toMatchObject({ ok: false, code: 'not_found' })
    expect(sendText(result)).toContain("a friend who took File Transfer's name, not File Transfer")
    expect(said).toEqual([])
  })
})

describe('WECHAT_ALLOWED_CONTACTS=filehelper', () => {
  it.each(['filehelper', '文件传输助手', 'File Transfer'])('allowed as %j, it pins File Transfer and allows none of the friends named like it', async (entry) => {
    const { sender, said } = buildSender({ contacts: [FILE_TRANSFER, ...IMPOSTORS], allowedContacts: [entry] })
    for (const impostor of IMPOSTORS) {
      expect(await sender.send(toFriend({ id: impostor.id }, `to ${impostor.id}`)), impostor.id).toMatchObject({ ok: false, code: 'not_allowed' })
    }
    expect(await sender.send(toFriend({ name: 'filehelper' }, 'by name'))).toMatchObject({ ok: true, target: { id: 'filehelper' } })
    expect(await sender.send(toFriend({ id: 'filehelper' }, 'by id'))).toMatchObject({ ok: true, target: { id: 'filehelper' } })
    expect(said.map((s) => s.id)).toEqual(['filehelper', 'filehelper'])
  })

  it('a refusal or confirmation about a friend who took the name says that it is not File Transfer', async () => {
    const { sender } = buildSender({ contacts: [FILE_TRANSFER, ...IMPOSTORS] })
    const sent = await sender.send(toFriend({ id: 'c-cn' }))
    expect(sent).toMatchObject({ ok: true, target: { id: 'c-cn', name: '文件传输助手' } })
    expect(sendText(sent)).toBe('Sent to "文件传输助手" (id "c-cn": a friend who took File Transfer\'s name, not File Transfer).')
  })
})

describe('WECHAT_NOTIFY_TO', () => {
  it.each(['filehelper', '文件传输助手', 'File Transfer'])('%j delivers into File Transfer, never to a namesake', async (to) => {
    const { sender, said } = buildSender({ contacts: [FILE_TRANSFER, ...IMPOSTORS] })
    const channel = wechatChannel(sender, configFrom({ WECHAT_NOTIFY_TO: to, WECHAT_REPEAT_WINDOW_S: '0' }))!
    expect(await channel.send({ title: 'Build', content: 'green' }, new AbortController().signal)).toMatchObject({ ok: true })
    expect(said.map((s) => s.id)).toEqual(['filehelper'])
  })
})
