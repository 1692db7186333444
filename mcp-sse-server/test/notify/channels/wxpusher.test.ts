import { afterEach, describe, expect, it } from 'vitest'
import wxpusher from '../../../src/notify/channels/wxpusher.js'
import { expectKeyedPost, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

const MSG = { title: 'A <b> & c', content: 'x\ny' }
const HTML = "<h1>A &lt;b&gt; &amp; c</h1><br/><div style='white-space: pre-wrap;'>x\ny</div>"

describe('wxpusher', () => {
  it('standard mode: POSTs /api/send/message with integer topic ids, uids and escaped HTML', async () => {
    server = await startServer({ json: { code: 1000, msg: '处理成功', success: true } })
    const result = await sendThrough(
      wxpusher,
      { WXPUSHER_APP_TOKEN: 'AT_token1', WXPUSHER_TOPIC_IDS: '12;34', WXPUSHER_UIDS: 'UID_a;UID_b', WXPUSHER_ORIGIN: server.origin },
      MSG,
    )
    expect(result).toMatchObject({ channel: 'wxpusher', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: '/api/send/message' }, 'json')
    expect(req.json).toEqual({ appToken: 'AT_token1', content: HTML, summary: MSG.title, contentType: 2, topicIds: [12, 34], uids: ['UID_a', 'UID_b'], verifyPayType: 0 })
  })

  it('SPT mode: spt for one, sptList for several', async () => {
    server = await startServer({ json: { code: 1000 } })
    await sendThrough(wxpusher, { WXPUSHER_SPT_LIST: 'SPT_one', WXPUSHER_ORIGIN: server.origin }, MSG)
    await sendThrough(wxpusher, { WXPUSHER_SPT_LIST: 'SPT_one,SPT_two', WXPUSHER_ORIGIN: server.origin }, MSG)
    expect(server.requests.map((r) => r.path)).toEqual(['/api/send/message/simple-push', '/api/send/message/simple-push'])
    for (const r of server.requests) expect(r.headers['content-type']).toMatch(/^application\/json(\s*;\s*charset=utf-8)?$/i)
    expect(server.requests[0].json).toEqual({ content: HTML, summary: MSG.title, contentType: 2, spt: 'SPT_one' })
    expect(server.requests[1].json).toEqual({ content: HTML, summary: MSG.title, contentType: 2, sptList: ['SPT_one', 'SPT_two'] })
  })

  it('code != 1000 is a failure with msg', async () => {
    server = await startServer({ json: { code: 1001, msg: 'appToken不正确' } })
    const result = await sendThrough(wxpusher, { WXPUSHER_APP_TOKEN: 'AT_token1', WXPUSHER_UIDS: 'UID_a', WXPUSHER_ORIGIN: server.origin }, MSG)
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('appToken不正确')
  })
})
