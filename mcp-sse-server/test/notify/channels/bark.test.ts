import { afterEach, describe, expect, it } from 'vitest'
import bark from '../../../src/notify/channels/bark.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

describe('bark', () => {
  it('POSTs JSON to BARK_PUSH as a full URL, with only the options that are set', async () => {
    server = await startServer({ json: { code: 200, message: 'success' } })
    const result = await sendThrough(bark, { BARK_PUSH: `${server.origin}/devicekey123`, BARK_SOUND: 'bell', BARK_GROUP: 'ci' })
    expect(result).toMatchObject({ channel: 'bark', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/devicekey123')
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.json).toEqual({ title: MESSAGE.title, body: MESSAGE.content, sound: 'bell', group: 'ci' })
  })

  it('fails when code is not 200, even with HTTP 200', async () => {
    server = await startServer({ json: { code: 400, message: 'failed to get device token' } })
    const result = await sendThrough(bark, { BARK_PUSH: `${server.origin}/devicekey123` })
    expect(result).toMatchObject({ ok: false, status: 200 })
    expect(result.error).toContain('failed to get device token')
  })
})
