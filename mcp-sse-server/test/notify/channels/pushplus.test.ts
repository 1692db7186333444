import { afterEach, describe, expect, it } from 'vitest'
import pushplus from '../../../src/notify/channels/pushplus.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('pushplus', () => {
  it('POSTs every field as JSON to /send, newlines as <br> in the html template', async () => {
    server = await startServer({ json: { code: 200, msg: '请求成功', data: 'flow-1' } })
    const result = await sendThrough(pushplus, { PUSH_PLUS_TOKEN: 'pp-token-1', PUSH_PLUS_USER: 'team', PUSH_PLUS_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'pushplus', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/send')
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.json).toEqual({
      token: 'pp-token-1',
      title: MESSAGE.title,
      content: MESSAGE.content.replace('\n', '<br>'),
      topic: 'team',
      template: 'html',
      channel: 'wechat',
      webhook: '',
      callbackUrl: '',
      to: '',
    })
  })

  it('keeps newlines for a non-html template and fails when code is not 200', async () => {
    server = await startServer({ json: { code: 903, msg: '无效的用户令牌' } })
    const result = await sendThrough(pushplus, { PUSH_PLUS_TOKEN: 'pp-token-1', PUSH_PLUS_TEMPLATE: 'txt', PUSH_PLUS_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('903')
    expect((server.requests[0].json as { content: string }).content).toBe(MESSAGE.content)
  })
})
