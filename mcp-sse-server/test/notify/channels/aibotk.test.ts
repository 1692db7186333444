import { afterEach, describe, expect, it } from 'vitest'
import aibotk from '../../../src/notify/channels/aibotk.js'
import { expectKeyedPost, MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

const message = { type: 1, content: `${MESSAGE.title}\n${MESSAGE.content}` }

describe('aibotk', () => {
  it('room: POSTs {apiKey, roomName, message} to /openapi/v1/chat/room', async () => {
    server = await startServer({ json: { code: 0 } })
    const result = await sendThrough(aibotk, { AIBOTK_KEY: 'ak-1234', AIBOTK_TYPE: 'room', AIBOTK_NAME: '家庭群', AIBOTK_ORIGIN: server.origin })
    expect(result).toMatchObject({ channel: 'aibotk', ok: true, status: 200 })
    expectKeyedPost(server.requests[0], { path: '/openapi/v1/chat/room' }, 'json')
    expect(server.requests[0].json).toEqual({ apiKey: 'ak-1234', roomName: '家庭群', message })
  })

  it('contact: POSTs {apiKey, name, message}; a non-zero code is a failure', async () => {
    server = await startServer({ json: { code: 1, error: 'contact not found' } })
    const result = await sendThrough(aibotk, { AIBOTK_KEY: 'ak-1234', AIBOTK_TYPE: 'contact', AIBOTK_NAME: '张三', AIBOTK_ORIGIN: server.origin })
    expectKeyedPost(server.requests[0], { path: '/openapi/v1/chat/contact' }, 'json')
    expect(server.requests[0].json).toEqual({ apiKey: 'ak-1234', name: '张三', message })
    expect(result).toMatchObject({ ok: false, status: 200, error: 'HTTP 200: contact not found' })
  })
})
