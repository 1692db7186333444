import { afterEach, describe, expect, it } from 'vitest'
import serverchan, { serverchanUrl } from '../../../src/notify/channels/serverchan.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('serverchan', () => {
  it('POSTs an encoded form to /{key}.send, doubling line breaks for Markdown', async () => {
    server = await startServer({ json: { code: 0, message: '', data: { pushid: '1' } } })
    const result = await sendThrough(serverchan, { PUSH_KEY: 'SCT12345abc', SERVERCHAN_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'serverchan', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/SCT12345abc.send')
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    expect(Object.fromEntries(req.form)).toEqual({ text: MESSAGE.title, desp: MESSAGE.content.replace('\n', '\n\n') })
  })

  it('uses the Server酱³ endpoint for sctp{num}t keys', async () => {
    expect(serverchanUrl('sctp123tABC', undefined)).toBe('https://123.push.ft07.com/send/sctp123tABC.send')
    expect(serverchanUrl('SCT1', undefined)).toBe('https://sctapi.ftqq.com/SCT1.send')
    server = await startServer({ json: { code: 0 } })
    await sendThrough(serverchan, { PUSH_KEY: 'sctp123tABC', SERVERCHAN_ORIGIN: server.origin })
    expect(server.requests[0].path).toBe('/send/sctp123tABC.send')
  })

  it('fails on errno 1024 (duplicate within a minute)', async () => {
    server = await startServer({ json: { errno: 1024, errmsg: 'duplicate' } })
    const result = await sendThrough(serverchan, { PUSH_KEY: 'SCT12345abc', SERVERCHAN_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('1024')
  })
})
