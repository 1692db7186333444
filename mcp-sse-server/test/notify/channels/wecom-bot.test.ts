import { afterEach, describe, expect, it } from 'vitest'
import wecomBot from '../../../src/notify/channels/wecom-bot.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('wecom-bot', () => {
  it('POSTs the text message to QYWX_ORIGIN/cgi-bin/webhook/send?key=', async () => {
    server = await startServer({ json: { errcode: 0, errmsg: 'ok' } })
    const result = await sendThrough(wecomBot, { QYWX_KEY: 'key-693a91f6', QYWX_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'wecom-bot', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { url: '/cgi-bin/webhook/send?key=key-693a91f6' }, 'json')
    expect(req.json).toEqual({ msgtype: 'text', text: { content: `${MESSAGE.title}\n\n${MESSAGE.content}` } })
  })

  it('fails on a non-zero errcode and trims content to 2048 bytes', async () => {
    server = await startServer({ json: { errcode: 93000, errmsg: 'invalid webhook url' } })
    const result = await sendThrough(wecomBot, { QYWX_KEY: 'key-693a91f6', QYWX_ORIGIN: server.origin }, { title: 't', content: '字'.repeat(2000) })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('93000')
    const sent = (server.requests[0].json as { text: { content: string } }).text.content
    expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(2048)
    expect(sent).toMatch(/truncated\)$/)
  })
})
