/**
 * Corners of the conversation and file tools, through real MCP clients on both transports against the sandbox:
 * a wait longer than WECHAT_MAX_WAIT_S is capped (and says so); an ambiguous nickname is answered with candidates,
 * never a guess and never a wait; a file for someone not on WECHAT_ALLOWED_CONTACTS is refused and audited before
 * its link is ever requested.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, structured, text, TRANSPORTS } from '../helpers/clients.js'
import { startFileServer, type FileServer } from '../helpers/files.js'
import { startServer, type RunningServer } from '../helpers/server.js'

/** WECHAT_MAX_WAIT_S=1: a capped wait times out at once. */
let capped: RunningServer
/** No cap to speak of (the default, 7 days), an allow-list of one friend, and file links to this machine allowed. */
let guarded: RunningServer
let files: FileServer

beforeAll(async () => {
  files = await startFileServer()
  ;[capped, guarded] = await Promise.all([
    startServer({ WECHAT_MAX_WAIT_S: '1' }),
    startServer({ WECHAT_ALLOWED_CONTACTS: '老张', WECHAT_FILE_ALLOW_PRIVATE_URLS: 'true', WECHAT_MAX_FILE_MB: '1' }),
  ])
})
afterAll(async () => {
  await Promise.all([capped?.stop(), guarded?.stop(), files?.close()])
})

describe.each(TRANSPORTS)('over %s', (kind) => {
  const clients: { capped?: Client; guarded?: Client } = {}
  beforeAll(async () => {
    clients.capped = await connect(capped.url, kind)
    clients.guarded = await connect(guarded.url, kind)
  })
  afterAll(async () => {
    await clients.capped?.close()
    await clients.guarded?.close()
  })

  describe('waitForReply above WECHAT_MAX_WAIT_S', () => {
    it('is capped: it times out at the cap, and says which wait it used and why', async () => {
      const result = await call(clients.capped!, 'waitForReply', { nickname: '老张', timeoutSeconds: 3600 })
      expect(result.isError).toBeFalsy()
      expect(result.structuredContent).toMatchObject({ status: 'timeout', timeoutSeconds: 1, chat: { type: 'contact', name: '老张' } })
      expect(text(result)).toMatch(/No reply in "老张" within 1 s \(capped by WECHAT_MAX_WAIT_S=1\)/)
    })

    it('the default wait (600 s) is capped too', async () => {
      const result = await call(clients.capped!, 'waitForReply', { topic: '家庭群' })
      expect(result.structuredContent).toMatchObject({ status: 'timeout', timeoutSeconds: 1, chat: { type: 'room', name: '家庭群' } })
      expect(text(result)).toMatch(/within 1 s\b/)
    })
  })

  describe('an ambiguous nickname (two friends are called 小明)', () => {
    it('getRecentMessages answers with both candidates and reads neither chat', async () => {
      const result = await call(clients.guarded!, 'getRecentMessages', { nickname: '小明' })
      expect(result.isError).toBe(true)
      const { candidates } = structured(result)
      expect(candidates).toHaveLength(2)
      expect(candidates).toEqual(
        expect.arrayContaining([expect.objectContaining({ alias: '明明 (同事)' }), expect.objectContaining({ alias: '小明 (大学同学)' })]),
      )
      expect(new Set(candidates.map((c: { id: string }) => c.id)).size).toBe(2)
      expect(text(result)).toMatch(/2 friends match "小明" exactly/)
      expect(text(result)).not.toMatch(/Not sent/)
    })

    it('waitForReply answers with the candidates at once instead of waiting (the test would time out if it waited an hour)', async () => {
      const result = await call(clients.guarded!, 'waitForReply', { nickname: '小明', timeoutSeconds: 3600 })
      expect(result.isError).toBe(true)
      expect(structured(result).candidates).toHaveLength(2)
      expect(structured(result)).not.toHaveProperty('status')
      expect(text(result)).toMatch(/2 friends match "小明" exactly.*call again with that id/s)
    })

    it('by one candidate\'s id, the same wait is accepted (and capped)', async () => {
      const ambiguous = await call(clients.capped!, 'waitForReply', { nickname: '小明' })
      const [first] = structured(ambiguous).candidates as Array<{ id: string }>
      const result = await call(clients.capped!, 'waitForReply', { id: first.id, timeoutSeconds: 60 })
      expect(result.structuredContent).toMatchObject({ status: 'timeout', timeoutSeconds: 1, chat: { id: first.id } })
    })
  })

  describe('sendFileToFriend and WECHAT_ALLOWED_CONTACTS', () => {
    it('refuses a friend not on the list, audits it, and never requests the link', async () => {
      const hitsBefore = files.hits.length
      const url = `${files.url}/report.pdf?sig=${kind}-secret`
      const result = await call(clients.guarded!, 'sendFileToFriend', { nickname: '李四', url, caption: `not for 李四 (${kind})` })
      expect(result.isError).toBe(true)
      expect(result.structuredContent).toMatchObject({ sent: false, error: 'not_allowed', target: { name: '四哥' } })
      expect(structured(result)).not.toHaveProperty('file')
      expect(text(result)).toMatch(/"四哥" is not on the allow-list \(WECHAT_ALLOWED_CONTACTS\)/)
      expect(files.hits.slice(hitsBefore)).toEqual([])

      const line = guarded.auditLines().at(-1)!
      expect(line).toMatchObject({
        tool: 'sendFileToFriend',
        ok: false,
        target: { type: 'contact', name: '四哥' },
        source: `${files.url}/report.pdf?…`,
        error: expect.stringContaining('not on the allow-list'),
      })
      expect(line).not.toHaveProperty('file')
      expect(JSON.stringify(guarded.auditLines())).not.toContain(`${kind}-secret`)
      // The caption did not go either: nothing was sent to anyone.
      expect(guarded.auditLines().filter((l) => l.ok === true && String(l.text).includes(`not for 李四 (${kind})`))).toEqual([])
    })

    it('refuses by id as well, before any request', async () => {
      const hitsBefore = files.hits.length
      const found = structured(await call(clients.guarded!, 'findFriend', { nickname: '四哥' }))
      const id = found.friends[0].id as string
      const result = await call(clients.guarded!, 'sendFileToFriend', { id, url: `${files.url}/pixel.png` })
      expect(result.structuredContent).toMatchObject({ sent: false, error: 'not_allowed', target: { id } })
      expect(files.hits.slice(hitsBefore)).toEqual([])
      expect(guarded.auditLines().at(-1)).toMatchObject({ tool: 'sendFileToFriend', ok: false, target: { id } })
    })

    it('the friend on the list gets the same link (so the request counter does count)', async () => {
      const hitsBefore = files.hits.length
      const result = await call(clients.guarded!, 'sendFileToFriend', { nickname: '老张', url: `${files.url}/report.pdf` })
      expect(result.structuredContent).toMatchObject({ sent: true, file: { name: 'report.pdf' } })
      expect(files.hits.slice(hitsBefore)).toEqual(['/report.pdf'])
    })
  })
})
