import { afterEach, describe, expect, it } from 'vitest'
import weplusbot from '../../../src/notify/channels/weplusbot.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('weplusbot', () => {
  it('POSTs JSON to /send with the txt template for short content', async () => {
    server = await startServer({ json: { code: 200, msg: '请求成功' } })
    const result = await sendThrough(weplusbot, { WE_PLUS_BOT_TOKEN: 'wp-token-1', WE_PLUS_BOT_RECEIVER: 'wxid_1', WE_PLUS_BOT_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'weplusbot', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: '/send' }, 'json')
    expect(req.json).toEqual({ token: 'wp-token-1', title: MESSAGE.title, content: MESSAGE.content, template: 'txt', receiver: 'wxid_1', version: 'pro' })
  })

  it('switches to html (newlines as <br>) above 800 characters; code != 200 fails', async () => {
    server = await startServer({ json: { code: 500, msg: 'token invalid' } })
    const content = `${'x'.repeat(800)}\ny`
    const result = await sendThrough(weplusbot, { WE_PLUS_BOT_TOKEN: 'wp-token-1', WE_PLUS_BOT_ORIGIN: server.origin }, { title: 'T', content })
    expect(server.requests[0].json).toMatchObject({ template: 'html', content: `${'x'.repeat(800)}<br>y` })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('token invalid')
  })
})
