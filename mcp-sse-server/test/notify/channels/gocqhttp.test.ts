import { afterEach, describe, expect, it } from 'vitest'
import gocqhttp from '../../../src/notify/channels/gocqhttp.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('gocqhttp', () => {
  it('POSTs {message} as JSON with access_token and GOBOT_QQ in the query', async () => {
    server = await startServer({ json: { status: 'ok', retcode: 0, data: { message_id: 1 } } })
    const result = await sendThrough(gocqhttp, { GOBOT_URL: `${server.origin}/send_group_msg`, GOBOT_QQ: 'group_id=456', GOBOT_TOKEN: 'cq-token-1' })
    expect(result).toMatchObject({ channel: 'gocqhttp', ok: true, status: 200 })
    const [req] = server.requests
    // No auth header: access_token travels in the query.
    expectKeyedPost(req, { url: '/send_group_msg?access_token=cq-token-1&group_id=456' }, 'json')
    expect(req.json).toEqual({ message: `${MESSAGE.title}\n${MESSAGE.content}` })
  })

  it('fails on a non-zero retcode', async () => {
    server = await startServer({ json: { status: 'failed', retcode: 100, wording: 'group not found' } })
    const result = await sendThrough(gocqhttp, { GOBOT_URL: `${server.origin}/send_group_msg`, GOBOT_QQ: 'group_id=456' })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('group not found')
  })
})
