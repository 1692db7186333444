/**
 * Through a real client: friends named "filehelper" and "文件传输助手" are never the user's own File Transfer, and
 * `WECHAT_ALLOWED_CONTACTS=filehelper` (what docs/security.md recommends first) allows File Transfer only.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

const fixture = {
  self: { name: 'Me' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-en', name: 'filehelper' },
    { id: 'c-cn', name: '文件传输助手' },
  ],
}

const files = tempDir()
const FILE = path.join(files, 'a.txt')
writeFileSync(FILE, 'hello\n')

let server: RunningServer
let client: Client
beforeAll(async () => {
  server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture), WECHAT_ALLOWED_CONTACTS: 'filehelper', WECHAT_FILE_DIRS: files })
  client = await connect(server.url, 'streamableHttp')
  await client.listTools()
})
afterAll(async () => {
  await client?.close()
  await server?.stop()
})

describe('File Transfer is not a name anyone can take', () => {
  it.each(['filehelper', '文件传输助手', 'File Transfer'])('findFriend %j: File Transfer is the one exact match; the namesakes are partial and marked', async (name) => {
    const result = await call(client, 'findFriend', { nickname: name })
    expect(result.structuredContent).toMatchObject({ exactCount: 1, friends: expect.arrayContaining([{ id: 'filehelper', name: '文件传输助手', match: 'exact' }]) })
    const friends = (result.structuredContent as { friends: Array<{ id: string; match: string }> }).friends
    expect(friends.filter((f) => f.id !== 'filehelper').every((f) => f.match === 'partial')).toBe(true)
    for (const line of text(result).split('\n').filter((l) => /id="c-(en|cn)"/.test(l))) expect(line).toContain('not File Transfer')
  })

  it('a send by either name goes to File Transfer; the namesakes, by id, are not allowed', async () => {
    for (const nickname of ['filehelper', '文件传输助手']) {
      const sent = await call(client, 'sendMessageToFriend', { nickname, message: `note via ${nickname}` })
      expect(sent.structuredContent, text(sent)).toMatchObject({ sent: true, target: { id: 'filehelper' } })
    }
    for (const id of ['c-en', 'c-cn']) {
      expect((await call(client, 'sendMessageToFriend', { id, message: `to ${id}` })).structuredContent).toMatchObject({ sent: false, error: 'not_allowed' })
      expect((await call(client, 'sendFileToFriend', { id, path: FILE })).structuredContent).toMatchObject({ sent: false, error: 'not_allowed' })
    }
    const sentTo = server.auditLines().filter((l) => l.ok).map((l) => (l.target as { id: string }).id)
    expect(sentTo).toEqual(['filehelper', 'filehelper'])
  })

  it('reading the chat by its name opens File Transfer, which carries the owner conversation (the chat "me")', async () => {
    const result = await call(client, 'getRecentMessages', { nickname: 'filehelper' })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({ chat: { type: 'contact', id: 'me' } })
    // Never the friend who took the name.
    expect(JSON.stringify(result.structuredContent)).not.toContain('c-en')
  })
})
