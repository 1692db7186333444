import { afterEach, describe, expect, it } from 'vitest'
import pushme from '../../../src/notify/channels/pushme.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('pushme', () => {
  it('POSTs JSON to PUSHME_URL (which the reference JS ignored); "success" is success', async () => {
    server = await startServer({ text: 'success' })
    const result = await sendThrough(pushme, { PUSHME_KEY: 'pm-key-1', PUSHME_URL: `${server.origin}/` })
    expect(result).toMatchObject({ channel: 'pushme', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: '/' }, 'json')
    expect(req.json).toEqual({ push_key: 'pm-key-1', title: MESSAGE.title, content: MESSAGE.content })
  })

  it('anything but "success" is a failure, even HTTP 200', async () => {
    server = await startServer({ text: 'push_key error' })
    const result = await sendThrough(pushme, { PUSHME_KEY: 'pm-key-1', PUSHME_URL: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200, error: 'HTTP 200: push_key error' })
  })
})
