/**
 * The iLink road in the running server, against the fake iLink server on 127.0.0.1: the ClawBot QR on /login and
 * in /health, login, the owner's messages in the inbox, the `ilink` notification channel, a restart that needs no
 * scan, and a stale token that shows `expired` with a new QR and is told once through another channel. No token
 * ever reaches the output.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { call, connect } from '../helpers/clients.js'
import { FakeIlink } from '../helpers/fake-ilink.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'
import { startServer as startChannel, type TestServer } from '../notify/helpers.js'

const FIXTURE = { self: { name: '测试账号' }, contacts: [{ name: '张三' }] }

let fake: FakeIlink
let server: RunningServer | undefined
let channel: TestServer | undefined

afterEach(async () => {
  await server?.stop()
  await channel?.close()
  expect(fake.violations).toEqual([])
  await fake.close()
  server = channel = undefined
})

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { ILINK_ENABLED: 'true', ILINK_BASE_URL: fake.url, ILINK_CDN_URL: fake.cdnUrl, WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), ...extra }
}

const ilinkState = (s: RunningServer, status: string) => s.waitForLog((l) => l.msg === 'ilink road state' && l.status === status, 60_000)

async function health(s: RunningServer): Promise<{ wechat: { status: string }; ilink: { status: string; user?: string } }> {
  return (await (await fetch(`${s.url}/health`)).json()) as never
}

describe('the iLink road in the server', () => {
  it('logs in from /login, receives the owner, notifies through ClawBot, and resumes after a restart without a scan', async () => {
    fake = await FakeIlink.start()
    server = await startServer(env())
    await ilinkState(server, 'waiting_for_scan')
    expect((await health(server)).ilink.status).toBe('waiting_for_scan')
    const page = (await (await fetch(`${server.url}/login/state`)).json()) as { roads: Array<{ road: string; qr?: string }> }
    expect(page.roads.map((r) => r.road)).toEqual(['web', 'ilink'])
    expect(page.roads[1].qr).toMatch(/^data:image\/svg\+xml;base64,/)

    fake.scan()
    await ilinkState(server, 'scanned')
    fake.confirm()
    await ilinkState(server, 'logged_in')
    expect((await health(server)).ilink).toMatchObject({ status: 'logged_in', user: 'ClawBot' })

    const client = await connect(server.url, 'streamableHttp')
    // Before the owner wrote, ClawBot may not message them: refused at once, with what to do.
    const early = await call(client, 'notify_send', { title: 'Build', content: 'done', channels: ['ilink'] })
    expect(early.isError).toBe(true)
    expect(JSON.stringify(early.structuredContent)).toContain('Send any message to ClawBot in WeChat, then retry.')

    fake.ownerSays('ping me when the build is done')
    // The road asks for what follows that message only once it has taken it in.
    await fake.waitForRequest('/ilink/bot/getupdates', (r) => r.body.get_updates_buf === 'buf-1')
    const chats = await call(client, 'listRecentChats', {})
    expect(JSON.stringify(chats.structuredContent)).toContain('"id":"me"')

    const sent = await call(client, 'notify_send', { title: 'Build', content: 'done', channels: ['ilink'] })
    expect(sent.isError).toBeFalsy()
    expect(fake.sent.map((s) => s.item)).toEqual([{ type: 1, text_item: { text: 'Build\n\ndone' } }])
    await client.close()

    const token = fake.token!
    const context = fake.contextToken!
    await server.stop()
    const output = server.stdout() + server.stderr()
    expect(output).not.toContain(token)
    expect(output).not.toContain(context)
    const audit = server.auditLines()
    expect(audit.filter((l) => (l.target as { id?: string }).id === 'me').map((l) => l.ok)).toEqual([false, true])
    expect(JSON.stringify(audit)).not.toContain(token)

    // Same DATA_DIR: logged in at once, with the same token, cursor and context_token; no second QR.
    server = await startServer(env({ DATA_DIR: server.dataDir }), { waitForLogin: false })
    await ilinkState(server, 'logged_in')
    expect(fake.qrIssued).toBe(1)
    const again = await connect(server.url, 'sse')
    const second = await call(again, 'notify_send', { title: 'Still here', content: 'after a restart', channels: ['ilink'] })
    expect(second.isError).toBeFalsy()
    expect(fake.sent).toHaveLength(2)
    await again.close()
    // Two server starts on a busy machine.
  }, 120_000)

  it('a stale token (-14) shows expired with a new QR, and the operator is told once through another channel', async () => {
    fake = await FakeIlink.start()
    channel = await startChannel({ json: { id: 1 } })
    server = await startServer(env({ GOTIFY_URL: channel.origin, GOTIFY_TOKEN: 'gotify-token-for-ilink-test' }), { waitForLogin: false })
    await ilinkState(server, 'waiting_for_scan')
    fake.scan()
    fake.confirm()
    await ilinkState(server, 'logged_in')
    fake.staleToken()
    await ilinkState(server, 'expired')
    await server.waitForLog((l) => l.msg === 'logout notification sent', 60_000)
    const view = (await (await fetch(`${server.url}/login/state`)).json()) as { roads: Array<{ road: string; status: string; qr?: string }> }
    const ilink = view.roads.find((r) => r.road === 'ilink')!
    expect(ilink.status).toBe('expired')
    expect(ilink.qr).toMatch(/^data:image\/svg\+xml;base64,/)
    expect(fake.qrIssued).toBe(2)
    expect(channel.requests).toHaveLength(1)
    expect(decodeURIComponent(channel.requests[0].body.replace(/\+/g, ' '))).toContain('ClawBot logged out')
  }, 60_000)
})
