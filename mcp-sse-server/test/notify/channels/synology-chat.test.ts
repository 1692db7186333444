import { afterEach, describe, expect, it } from 'vitest'
import synologyChat from '../../../src/notify/channels/synology-chat.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('synology-chat', () => {
  it('POSTs payload={"text"} as an encoded form to CHAT_URL + CHAT_TOKEN (a quote in the title stays valid JSON)', async () => {
    server = await startServer({ json: { success: true } })
    const CHAT_URL = `${server.origin}/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=`
    const result = await sendThrough(synologyChat, { CHAT_URL, CHAT_TOKEN: 'syno-token-1' })
    expect(result).toMatchObject({ channel: 'synology-chat', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: '/webapi/entry.cgi' }, 'form')
    expect(req.query.get('token')).toBe('syno-token-1')
    expect(JSON.parse(req.form.get('payload')!)).toEqual({ text: `${MESSAGE.title}\n${MESSAGE.content}` })
  })

  it('fails when success is false', async () => {
    server = await startServer({ json: { success: false, error: { code: 404, errors: 'invalid token' } } })
    const result = await sendThrough(synologyChat, { CHAT_URL: `${server.origin}/x?token=`, CHAT_TOKEN: 'syno-token-1' })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('invalid token')
  })
})
