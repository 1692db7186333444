import { afterEach, describe, expect, it, vi } from 'vitest'
import dingtalk, { dingtalkSign } from '../../../src/notify/channels/dingtalk.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(async () => {
  vi.restoreAllMocks()
  await server?.close()
})

describe('dingtalk', () => {
  it('matches the signature vector of the contract (section 3)', () => {
    const sign = dingtalkSign('SEC0123456789abcdef', 1700000000000)
    expect(sign).toBe('TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=')
  })

  it('signs on the wire exactly as the vector says, and POSTs the text message', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1700000000000)
    server = await startServer({ json: { errcode: 0, errmsg: 'ok' } })
    const result = await sendThrough(dingtalk, { DD_BOT_TOKEN: 'tok-abc', DD_BOT_SECRET: 'SEC0123456789abcdef', DD_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'dingtalk', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.url).toBe(
      '/robot/send?access_token=tok-abc&timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D',
    )
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.json).toEqual({ msgtype: 'text', text: { content: `${MESSAGE.title}\n\n${MESSAGE.content}` } })
  })

  it('sends unsigned when there is no secret', async () => {
    server = await startServer({ json: { errcode: 0 } })
    const result = await sendThrough(dingtalk, { DD_BOT_TOKEN: 'tok-abc', DD_ORIGIN: server.origin })
    expect(result.ok).toBe(true)
    expect([...server.requests[0].query.keys()]).toEqual(['access_token'])
  })

  it('treats HTTP 200 with errcode 310000 (bad signature) as a failure', async () => {
    server = await startServer({ json: { errcode: 310000, errmsg: 'sign not match' } })
    const result = await sendThrough(dingtalk, { DD_BOT_TOKEN: 'tok-abc', DD_BOT_SECRET: 'SECwrong', DD_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('310000')
    expect(result.error).toContain('sign not match')
  })

  it('keeps its own path when the override has one', async () => {
    server = await startServer({ json: { errcode: 0 } })
    await sendThrough(dingtalk, { DD_BOT_TOKEN: 'tok-abc', DD_ORIGIN: `${server.origin}/ignored/path` })
    expect(server.requests[0].path).toBe('/robot/send')
  })
})
