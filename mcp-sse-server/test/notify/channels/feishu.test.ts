import { afterEach, describe, expect, it, vi } from 'vitest'
import feishu, { feishuSign } from '../../../src/notify/channels/feishu.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(async () => {
  vi.restoreAllMocks()
  await server?.close()
})

describe('feishu', () => {
  it('matches the signature vector of the contract (section 3)', () => {
    expect(feishuSign('feishu-secret', '1700000000')).toBe('OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=')
  })

  it('puts timestamp (seconds) and the un-encoded sign in the body', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1700000000123)
    server = await startServer({ json: { code: 0, msg: 'success' } })
    const result = await sendThrough(feishu, { FSKEY: 'hook-token-1', FSSECRET: 'feishu-secret', FS_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'feishu', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { url: '/open-apis/bot/v2/hook/hook-token-1' }, 'json')
    expect(req.json).toEqual({
      msg_type: 'text',
      content: { text: `${MESSAGE.title}\n\n${MESSAGE.content}` },
      timestamp: '1700000000',
      sign: 'OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=',
    })
  })

  it('accepts the old response shape (StatusCode 0) and sends unsigned without a secret', async () => {
    server = await startServer({ json: { StatusCode: 0, StatusMessage: 'success' } })
    const result = await sendThrough(feishu, { FSKEY: 'hook-token-1', FS_ORIGIN: server.origin })
    expect(result.ok).toBe(true)
    expect(server.requests[0].json).not.toHaveProperty('sign')
  })

  it('fails on a signature error (code 19021, HTTP 200)', async () => {
    server = await startServer({ json: { code: 19021, msg: 'sign match fail or timestamp is not within one hour' } })
    const result = await sendThrough(feishu, { FSKEY: 'hook-token-1', FSSECRET: 'x-secret', FS_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('19021')
  })
})
