/**
 * WECHATY_PUPPET=wechaty-puppet-service reaches an address book served by a token gateway: a real gateway
 * (wechaty-puppet-service's PuppetServer over gRPC on 127.0.0.1, serving the mock puppet) and our real server,
 * configured only through the variables Wechaty names, finding friends and rooms and sending to them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { startGateway, type Gateway } from '../helpers/gateway.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const FIXTURE = {
  self: { name: '网关账号' },
  contacts: [{ name: '张三', alias: '老张' }, { name: 'Bob' }],
  rooms: [{ topic: '家庭群', members: ['张三', 'Bob'] }],
}

let gateway: Gateway
let server: RunningServer
beforeAll(async () => {
  gateway = await startGateway(FIXTURE)
  server = await startServer(
    {
      WECHATY_PUPPET: 'wechaty-puppet-service',
      WECHATY_PUPPET_SERVICE_TOKEN: gateway.token,
      WECHATY_PUPPET_SERVICE_ENDPOINT: gateway.endpoint,
      WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: 'true',
    },
    { waitForLogin: false },
  )
  await server.waitForLog((l) => l.msg === 'address book indexed' && (l.contacts as number) > 0, 60_000)
}, 90_000)

afterAll(async () => {
  await server?.stop()
  await gateway?.stop()
})

describe('through a token gateway (wechaty-puppet-service)', () => {
  it('logs in as the gateway account, finds friends and rooms, and sends to them', async () => {
    const health = await (await fetch(`${server.url}/health`)).json()
    expect(health.wechat).toMatchObject({ status: 'logged_in', user: '网关账号' })

    const client = await connect(server.url, 'streamableHttp')
    const found = await call(client, 'findFriend', { nickname: '老张' })
    expect(found.isError).toBeFalsy()
    expect(found.structuredContent).toMatchObject({ exactCount: 1, friends: [{ name: '张三', alias: '老张', match: 'exact' }] })
    const rooms = await call(client, 'findRoom', { topic: '家庭群' })
    expect(rooms.structuredContent).toMatchObject({ exactCount: 1, rooms: [{ topic: '家庭群', memberCount: 3 }] })

    const sent = await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'hello through the gateway' })
    expect(text(sent)).toBe('Sent to "老张".')
    await expect.poll(() => gateway.received.get('张三'), { timeout: 15_000 }).toEqual(['hello through the gateway'])
    const byId = await call(client, 'sendMessageToFriend', { id: (found.structuredContent as { friends: Array<{ id: string }> }).friends[0].id, message: 'and by id' })
    expect(byId.structuredContent).toMatchObject({ sent: true })
    await expect.poll(() => gateway.received.get('张三'), { timeout: 15_000 }).toEqual(['hello through the gateway', 'and by id'])

    // And back: what a friend writes on the gateway's account reaches the inbox and a waiting agent.
    const waiting = call(client, 'waitForReply', { nickname: '老张', since: (byId.structuredContent as { sentAt: string }).sentAt, timeoutSeconds: 30 })
    gateway.inbound('张三', '收到，谢谢')
    const reply = await waiting
    expect(reply.structuredContent).toMatchObject({ status: 'replied', message: { text: '收到，谢谢', sender: { name: '老张', self: false } } })
    await client.close()

    expect(server.auditLines().map((l) => [l.tool, l.ok])).toEqual([
      ['sendMessageToFriend', true],
      ['sendMessageToFriend', true],
    ])
    // The gateway token is a secret: never in the output.
    expect(server.stdout() + server.stderr()).not.toContain(gateway.token)
  }, 90_000)
})
