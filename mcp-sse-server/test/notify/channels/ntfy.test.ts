import { afterEach, describe, expect, it } from 'vitest'
import ntfy, { ntfyEncodedWord } from '../../../src/notify/channels/ntfy.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('ntfy', () => {
  it('encodes the Title header per the contract vector (section 3)', () => {
    expect(ntfyEncodedWord('标题')).toBe('=?utf-8?B?5qCH6aKY?=')
  })

  it('POSTs the raw content to {NTFY_URL}/{topic} with RFC 2047 headers and a bearer token', async () => {
    server = await startServer({ json: { id: 'msg1', event: 'message' } })
    const result = await sendThrough(ntfy, {
      NTFY_URL: server.origin,
      NTFY_TOPIC: 'builds',
      NTFY_TOKEN: 'tk_ntfy123',
      NTFY_PRIORITY: '4',
      NTFY_ACTIONS: 'view, 打开, https://example.com',
    })
    expect(result).toMatchObject({ channel: 'ntfy', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/builds')
    expect(req.body).toBe(MESSAGE.content)
    expect(req.headers.title).toBe(ntfyEncodedWord(MESSAGE.title))
    expect(req.headers.priority).toBe('4')
    expect(req.headers.actions).toBe(ntfyEncodedWord('view, 打开, https://example.com'))
    expect(req.headers.authorization).toBe('Bearer tk_ntfy123')
  })

  it('uses basic auth when there is no token, and fails without an id', async () => {
    server = await startServer({ status: 403, json: { code: 40301, error: 'forbidden' } })
    const result = await sendThrough(ntfy, { NTFY_URL: server.origin, NTFY_TOPIC: 'builds', NTFY_USERNAME: 'bob', NTFY_PASSWORD: 'hunter22' })
    expect(server.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('bob:hunter22').toString('base64')}`)
    expect(result).toMatchObject({ ok: false, status: 403 })
    expect(result.error).toContain('forbidden')
  })

  it('keeps the topic (the password on ntfy.sh) out of an error that echoes it', async () => {
    server = await startServer({ status: 403, json: { code: 40301, error: 'forbidden: alerts-k3y-9d8f is reserved' } })
    const result = await sendThrough(ntfy, { NTFY_URL: server.origin, NTFY_TOPIC: 'alerts-k3y-9d8f' })
    expect(server.requests[0].path).toBe('/alerts-k3y-9d8f')
    expect(result).toMatchObject({ ok: false, status: 403 })
    expect(result.error).toContain('forbidden')
    expect(result.error).not.toContain('alerts-k3y-9d8f')
  })
})
