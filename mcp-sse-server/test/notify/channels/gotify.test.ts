import { afterEach, describe, expect, it } from 'vitest'
import gotify from '../../../src/notify/channels/gotify.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('gotify', () => {
  it('POSTs an encoded form to {GOTIFY_URL}/message?token=', async () => {
    server = await startServer({ json: { id: 25, appid: 1 } })
    const result = await sendThrough(gotify, { GOTIFY_URL: `${server.origin}/`, GOTIFY_TOKEN: 'AbCd.tok', GOTIFY_PRIORITY: '5' })
    expect(result).toMatchObject({ channel: 'gotify', ok: true, status: 200 })
    const [req] = server.requests
    // No auth header (not X-Gotify-Key): the app token travels in the query.
    expectKeyedPost(req, { url: '/message?token=AbCd.tok' }, 'form')
    expect(Object.fromEntries(req.form)).toEqual({ title: MESSAGE.title, message: MESSAGE.content, priority: '5' })
  })

  it('fails without an id', async () => {
    server = await startServer({ status: 401, json: { error: 'Unauthorized', errorCode: 401, errorDescription: 'you need to provide a valid access token' } })
    const result = await sendThrough(gotify, { GOTIFY_URL: server.origin, GOTIFY_TOKEN: 'AbCd.tok' })
    expect(result).toMatchObject({ ok: false, status: 401 })
    expect(result.error).toContain('valid access token')
  })
})
