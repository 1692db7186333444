import { afterEach, describe, expect, it } from 'vitest'
import wecomApp, { chunkContent } from '../../../src/notify/channels/wecom-app.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

const AM = 'corp-id-1,corp-secret-xyz,alice|bob,1000002'

describe('wecom-app', () => {
  it('gets a token (GET, query params), then sends the text message with it', async () => {
    server = await startServer((req) =>
      req.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'ACCESS-TOKEN-77' } } : { json: { errcode: 0, errmsg: 'ok' } },
    )
    const result = await sendThrough(wecomApp, { QYWX_AM: AM, QYWX_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'wecom-app', ok: true, status: 200 })
    const [token, send] = server.requests
    expect(token.method).toBe('GET')
    expect(token.url).toBe('/cgi-bin/gettoken?corpid=corp-id-1&corpsecret=corp-secret-xyz')
    // A GET without a body declares no content type.
    expect(token.headers['content-type']).toBeUndefined()
    expect(token.headers.authorization).toBeUndefined()
    // No auth header: the access token travels in the query.
    expectKeyedPost(send, { url: '/cgi-bin/message/send?access_token=ACCESS-TOKEN-77' }, 'json')
    expect(send.json).toEqual({
      touser: 'alice|bob',
      agentid: '1000002',
      safe: '0',
      msgtype: 'text',
      text: { content: `${MESSAGE.title}\n\n${MESSAGE.content}` },
    })
  })

  it('splits long content into 900-character chunks sent in order', async () => {
    server = await startServer((req) => (req.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'T0KEN' } } : { json: { errcode: 0 } }))
    const content = 'a'.repeat(900) + 'b'.repeat(900) + 'c'.repeat(10)
    const result = await sendThrough(wecomApp, { QYWX_AM: AM, QYWX_ORIGIN: server.origin }, { title: 'T', content })
    expect(result.ok).toBe(true)
    const texts = server.requests.slice(1).map((r) => (r.json as { text: { content: string } }).text.content)
    expect(texts).toEqual([`T\n\n${'a'.repeat(900)}\n==More==`, `T\n\n${'b'.repeat(900)}\n==More==`, `T\n\n${'c'.repeat(10)}`])
  })

  it('never splits a surrogate pair', () => {
    const chunks = chunkContent('🚀'.repeat(901))
    expect(chunks).toHaveLength(2)
    expect(chunks[1]).toBe('🚀')
  })

  it('uses mpnews when the 5th field is a media id', async () => {
    server = await startServer((req) => (req.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'T0KEN' } } : { json: { errcode: 0 } }))
    await sendThrough(wecomApp, { QYWX_AM: `${AM},media-1`, QYWX_ORIGIN: server.origin }, { title: 'T', content: 'a\nb' })
    expect(server.requests[1].json).toMatchObject({
      msgtype: 'mpnews',
      mpnews: { articles: [{ title: 'T', thumb_media_id: 'media-1', content: 'a<br/>b', digest: 'a\nb' }] },
    })
  })

  it('reports a failed gettoken as a failure (the reference crashed here) without the corpsecret', async () => {
    server = await startServer({ json: { errcode: 40001, errmsg: 'invalid credential corpsecret=corp-secret-xyz' } })
    const result = await sendThrough(wecomApp, { QYWX_AM: AM, QYWX_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('40001')
    expect(result.error).not.toContain('corp-secret-xyz')
    expect(server.requests).toHaveLength(1)
  })

  it('fails on a send errcode, and keeps the runtime token out of the error', async () => {
    server = await startServer((req) =>
      req.path === '/cgi-bin/gettoken'
        ? { json: { errcode: 0, access_token: 'ACCESS-TOKEN-77' } }
        : { json: { errcode: 81013, errmsg: `user invalid, access_token=ACCESS-TOKEN-77` } },
    )
    const result = await sendThrough(wecomApp, { QYWX_AM: AM, QYWX_ORIGIN: server.origin })
    expect(result.ok).toBe(false)
    expect(result.error).toContain('81013')
    expect(result.error).not.toContain('ACCESS-TOKEN-77')
  })

  it('keeps the access token for its lifetime: the next notification is one request', async () => {
    server = await startServer((req) =>
      req.path === '/cgi-bin/gettoken' ? { json: { errcode: 0, access_token: 'KEPT-TOKEN', expires_in: 7200 } } : { json: { errcode: 0 } },
    )
    const env = { QYWX_AM: 'corp-keep,secret-keep,@all,1000002', QYWX_ORIGIN: server.origin }
    expect((await sendThrough(wecomApp, env)).ok).toBe(true)
    expect((await sendThrough(wecomApp, env)).ok).toBe(true)
    expect(server.requests.map((r) => r.path)).toEqual(['/cgi-bin/gettoken', '/cgi-bin/message/send', '/cgi-bin/message/send'])
  })

  it('renews a kept token that WeCom rejects (42001 expired) and sends again, once', async () => {
    let issued = 0
    server = await startServer((req) => {
      if (req.path === '/cgi-bin/gettoken') return { json: { errcode: 0, access_token: `TOKEN-${++issued}` } }
      return req.url.includes('TOKEN-1') ? { json: { errcode: 42001, errmsg: 'access_token expired' } } : { json: { errcode: 0 } }
    })
    const env = { QYWX_AM: 'corp-renew,secret-renew,@all,1000002', QYWX_ORIGIN: server.origin }
    // The first send gets TOKEN-1 fresh: a rejection of a fresh token is a plain failure, not retried.
    expect((await sendThrough(wecomApp, env)).ok).toBe(false)
    expect(server.requests).toHaveLength(2)
    // The second finds TOKEN-1 kept, sees it rejected, renews to TOKEN-2 and succeeds.
    const result = await sendThrough(wecomApp, env)
    expect(result.ok).toBe(true)
    expect(server.requests.slice(2).map((r) => r.url)).toEqual([
      '/cgi-bin/message/send?access_token=TOKEN-1',
      '/cgi-bin/gettoken?corpid=corp-renew&corpsecret=secret-renew',
      '/cgi-bin/message/send?access_token=TOKEN-2',
    ])
  })

  it.each(['corpid,corpsecret', 'corpid,corpsecret,touser', 'ww1234567890'])('a malformed QYWX_AM (%s) gets a readable error that the scrubber leaves whole', async (am) => {
    const result = await sendThrough(wecomApp, { QYWX_AM: am })
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/^QYWX_AM needs 4 comma-separated parts .* it has \d filled in\. See docs\/channels\.md \(wecom-app\)$/)
    expect(result.error).not.toContain('[REDACTED]')
  })
})
