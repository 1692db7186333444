import { afterEach, describe, expect, it } from 'vitest'
import openilink from '../../../src/notify/channels/openilink.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('openilink', () => {
  it('POSTs {type, content, context_token} with a bearer token to {hub}/bot/v1/message/send', async () => {
    server = await startServer({ json: { ok: true } })
    const result = await sendThrough(openilink, { OPENILINK_APP_TOKEN: 'oi-app-1', OPENILINK_HUB_URL: `${server.origin}/`, OPENILINK_CONTEXT_TOKEN: 'ctx-1234' })
    expect(result).toMatchObject({ channel: 'openilink', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/bot/v1/message/send')
    expect(req.headers.authorization).toBe('Bearer oi-app-1')
    expect(req.json).toEqual({ type: 'text', content: `${MESSAGE.title}\n\n${MESSAGE.content}`, context_token: 'ctx-1234' })
  })

  it('ok !== true is a failure with the error text', async () => {
    server = await startServer({ status: 401, json: { ok: false, error: 'invalid app token' } })
    const result = await sendThrough(openilink, { OPENILINK_APP_TOKEN: 'oi-app-1', OPENILINK_HUB_URL: server.origin })
    expect(result).toMatchObject({ ok: false, status: 401, error: 'HTTP 401: invalid app token' })
    expect(server.requests[0].json).not.toHaveProperty('context_token')
  })
})
