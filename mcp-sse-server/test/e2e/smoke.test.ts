import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../helpers/server.js'
import { call, connect, text, TRANSPORTS } from '../helpers/clients.js'

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(async () => {
  await server?.stop()
})

describe.each(TRANSPORTS)('over %s', (kind) => {
  it('lists the tools and finds and messages a friend', async () => {
    const client = await connect(server.url, kind)
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      'getLoginStatus',
      'findFriend',
      'findRoom',
      'sendMessageToFriend',
      'sendMessageToRoom',
      'sendFileToFriend',
      'sendFileToRoom',
      'listRecentChats',
      'getRecentMessages',
      'waitForReply',
      'sendMessageToMe',
      'waitForMyReply',
      'notify_send',
      'notify_event',
    ])
    const found = await call(client, 'findFriend', { nickname: '老张' })
    expect(found.isError).toBeFalsy()
    expect(found.structuredContent).toMatchObject({ exactCount: 1, friends: [{ name: '张三', alias: '老张', match: 'exact' }] })
    const sent = await call(client, 'sendMessageToFriend', { nickname: '老张', message: `hi over ${kind}` })
    expect(text(sent)).toContain('Sent')
    expect(sent.structuredContent).toMatchObject({ sent: true, target: { type: 'contact', name: '老张' } })
    await client.close()
  })
})
