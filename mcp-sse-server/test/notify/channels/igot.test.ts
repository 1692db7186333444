import { afterEach, describe, expect, it } from 'vitest'
import igot from '../../../src/notify/channels/igot.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

const KEY = 'ABCdef0123456789abcdef01'

describe('igot', () => {
  it('POSTs an encoded form to /{lower-cased key}', async () => {
    server = await startServer({ json: { ret: 0, data: { id: '1' } } })
    const result = await sendThrough(igot, { IGOT_PUSH_KEY: KEY, IGOT_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'igot', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: `/${KEY.toLowerCase()}` }, 'form')
    expect(Object.fromEntries(req.form)).toEqual({ title: MESSAGE.title, content: MESSAGE.content })
  })

  it('fails on ret != 0 with errMsg, and refuses a malformed key without sending', async () => {
    server = await startServer({ json: { ret: 201, errMsg: 'key invalid' } })
    const result = await sendThrough(igot, { IGOT_PUSH_KEY: KEY, IGOT_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200, error: 'HTTP 200: key invalid' })
    const bad = await sendThrough(igot, { IGOT_PUSH_KEY: 'short', IGOT_ORIGIN: server.origin })
    expect(bad.ok).toBe(false)
    expect(server.requests).toHaveLength(1)
  })
})
