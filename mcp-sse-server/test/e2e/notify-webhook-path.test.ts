/**
 * A notify_send title written by the model cannot move the custom webhook's request: through a real MCP client, the
 * title fills one path segment of WEBHOOK_URL, whatever slashes and dots it holds, and a title that would make a
 * whole segment ".." is refused rather than sent to another path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect } from '../helpers/clients.js'
import { startServer as startMcpServer, type RunningServer } from '../helpers/server.js'
import { startServer as startChannelServer, type TestServer } from '../notify/helpers.js'

let server: RunningServer
let hook: TestServer

beforeAll(async () => {
  hook = await startChannelServer({ text: 'ok' })
  server = await startMcpServer({ WEBHOOK_URL: `${hook.origin}/push/$title/end?key=fixed&c=$content`, WEBHOOK_METHOD: 'GET' })
})
afterAll(async () => {
  await server?.stop()
  await hook?.close()
})

type Results = { results: Array<{ channel: string; ok: boolean; error?: string }> }

describe('notify_send to the custom webhook', () => {
  it('a title full of slashes, dots and query characters stays one path segment', async () => {
    const client = await connect(server.url, 'streamableHttp')
    for (const title of ['../admin', '../../admin?key=evil#x', 'a/b', '%2e%2e']) {
      const before = hook.requests.length
      const r = await call(client, 'notify_send', { title, content: 'x&key=evil' })
      expect((r.structuredContent as Results).results, title).toEqual([expect.objectContaining({ channel: 'webhook', ok: true })])
      const [req] = hook.requests.slice(before)
      const segments = req.path.split('/')
      expect(segments, title).toHaveLength(4)
      expect([segments[1], decodeURIComponent(segments[2]), segments[3]], title).toEqual(['push', title, 'end'])
      expect(req.query.getAll('key')).toEqual(['fixed'])
    }
    await client.close()
  })

  it('a title ".." is refused, and nothing reaches another path', async () => {
    const client = await connect(server.url, 'sse')
    const before = hook.requests.length
    const r = await call(client, 'notify_send', { title: '..', content: 'c' })
    const [result] = (r.structuredContent as Results).results
    expect(result).toMatchObject({ channel: 'webhook', ok: false, error: expect.stringContaining('changes the address') })
    expect(hook.requests.slice(before)).toEqual([])
    await client.close()
  })
})
