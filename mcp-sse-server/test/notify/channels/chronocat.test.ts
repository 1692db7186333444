import { afterEach, describe, expect, it } from 'vitest'
import chronocat from '../../../src/notify/channels/chronocat.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

const content = `${MESSAGE.title}\n\n${MESSAGE.content}`

describe('chronocat', () => {
  it('POSTs one message per id, users as chatType 1 and groups as 2', async () => {
    server = await startServer({ json: { msgId: '1' } })
    const result = await sendThrough(chronocat, {
      CHRONOCAT_URL: server.origin,
      CHRONOCAT_TOKEN: 'red-token-1',
      CHRONOCAT_QQ: 'user_id=111;group_id=222',
    })
    expect(result).toMatchObject({ channel: 'chronocat', ok: true, status: 200 })
    expect(server.requests).toHaveLength(2)
    for (const req of server.requests) {
      expect(req.method).toBe('POST')
      expect(req.path).toBe('/api/message/send')
      expect(req.headers.authorization).toBe('Bearer red-token-1')
    }
    const bodies = server.requests.map((r) => r.json).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    expect(bodies).toEqual([
      { peer: { chatType: 1, peerUin: '111' }, elements: [{ elementType: 1, textElement: { content } }] },
      { peer: { chatType: 2, peerUin: '222' }, elements: [{ elementType: 1, textElement: { content } }] },
    ])
  })

  it('fails (instead of hanging, as the reference did) when CHRONOCAT_QQ holds no id', async () => {
    server = await startServer({ json: {} })
    const result = await sendThrough(chronocat, { CHRONOCAT_URL: server.origin, CHRONOCAT_TOKEN: 'red-token-1', CHRONOCAT_QQ: 'nonsense' })
    expect(result.ok).toBe(false)
    expect(result.error).toContain('user_id=N')
    expect(server.requests).toHaveLength(0)
  })

  it('fails when any id fails, naming it', async () => {
    server = await startServer((req) => ((req.json as { peer: { peerUin: string } }).peer.peerUin === '222' ? { status: 500, text: 'boom' } : { json: {} }))
    const result = await sendThrough(chronocat, {
      CHRONOCAT_URL: server.origin,
      CHRONOCAT_TOKEN: 'red-token-1',
      CHRONOCAT_QQ: 'user_id=111;group_id=222',
    })
    expect(result).toMatchObject({ ok: false, status: 500 })
    expect(result.error).toContain('group_id=222')
    expect(result.error).not.toContain('user_id=111')
  })
})
