import { afterEach, describe, expect, it } from 'vitest'
import pushdeer from '../../../src/notify/channels/pushdeer.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('pushdeer', () => {
  it('POSTs a properly encoded form to DEER_URL (a full endpoint)', async () => {
    server = await startServer({ json: { code: 0, content: { result: ['{"counts":1}'] } } })
    const result = await sendThrough(pushdeer, { DEER_KEY: 'PDU1key', DEER_URL: `${server.origin}/message/push` })
    expect(result).toMatchObject({ channel: 'pushdeer', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/message/push')
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    // "&", "=", "+" and "#" survive: the reference's encodeURI lost them.
    expect(Object.fromEntries(req.form)).toEqual({ pushkey: 'PDU1key', text: MESSAGE.title, desp: MESSAGE.content, type: 'markdown' })
  })

  it('fails when content.result is empty', async () => {
    server = await startServer({ json: { code: 0, content: { result: [] } } })
    const result = await sendThrough(pushdeer, { DEER_KEY: 'PDU1key', DEER_URL: `${server.origin}/message/push` })
    expect(result).toMatchObject({ ok: false, status: 200 })
  })
})
