import { afterEach, describe, expect, it } from 'vitest'
import qmsg from '../../../src/notify/channels/qmsg.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('qmsg', () => {
  it('POSTs an encoded msg form to /{type}/{key}', async () => {
    server = await startServer({ json: { success: true, reason: '操作成功', code: 0 } })
    const result = await sendThrough(qmsg, { QMSG_KEY: 'qmsg-key-1', QMSG_TYPE: 'group', QMSG_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'qmsg', ok: true, status: 200 })
    const [req] = server.requests
    expectKeyedPost(req, { path: '/group/qmsg-key-1' }, 'form')
    expect(Object.fromEntries(req.form)).toEqual({ msg: `${MESSAGE.title}\n\n${MESSAGE.content}` })
  })

  it('fails on a non-zero code with the reason, and refuses an unknown QMSG_TYPE', async () => {
    server = await startServer({ json: { success: false, reason: '请先绑定QQ', code: 500 } })
    const result = await sendThrough(qmsg, { QMSG_KEY: 'qmsg-key-1', QMSG_TYPE: 'send', QMSG_ORIGIN: server.origin })
    expect(result).toMatchObject({ ok: false, status: 200, error: 'HTTP 200: 请先绑定QQ' })
    const bad = await sendThrough(qmsg, { QMSG_KEY: 'qmsg-key-1', QMSG_TYPE: 'private', QMSG_ORIGIN: server.origin })
    expect(bad.ok).toBe(false)
    expect(bad.error).toContain('QMSG_TYPE')
    expect(server.requests).toHaveLength(1)
  })
})
