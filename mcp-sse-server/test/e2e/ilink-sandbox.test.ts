/**
 * `npm run sandbox` with ILINK_ENABLED=true: the simulated ClawBot logs in by itself (QR → scanned → confirmed),
 * the owner's messages come in through POST /sandbox/ilink/messages, the window and budget hold, a stale token
 * (POST /sandbox/ilink/expire) shows `expired` and logs in again by itself, and a restart needs no new QR.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { call, connect } from '../helpers/clients.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

let server: RunningServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const ENV = { ILINK_ENABLED: 'true', ILINK_MAX_PER_OWNER_MESSAGE: '2', WECHAT_MOCK_FIXTURE: writeFixture({ self: { name: '测试账号' }, contacts: [{ name: '张三' }] }) }
const states = (s: RunningServer) => s.logs().filter((l) => l.msg === 'ilink road state').map((l) => l.status)
/** Resolves once more than `seen` log lines match (lines already there count as seen). */
const waitForMore = (s: RunningServer, match: (l: Record<string, unknown>) => boolean, seen = 0) => s.waitForLog(() => s.logs().filter(match).length > seen, 60_000)
const isState = (status: string) => (l: Record<string, unknown>) => l.msg === 'ilink road state' && l.status === status
const count = (s: RunningServer, match: (l: Record<string, unknown>) => boolean) => s.logs().filter(match).length
const ownerMessage = (l: Record<string, unknown>) => l.msg === 'ClawBot message from the owner'
const post = (s: RunningServer, path: string, body?: unknown) =>
  fetch(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })

describe('the simulated ClawBot in the sandbox', () => {
  it('logs in by itself, takes the owner’s messages, holds the budget, expires on demand and resumes after a restart', async () => {
    server = await startServer(ENV, { waitForLogin: false })
    await waitForMore(server, isState('logged_in'))
    expect(states(server)).toEqual(expect.arrayContaining(['waiting_for_scan', 'scanned', 'logged_in']))

    const client = await connect(server.url, 'streamableHttp')
    const notify = (content: string) => call(client, 'notify_send', { title: 'Sandbox', content, channels: ['ilink'] })
    expect((await notify('too early')).isError).toBe(true)

    expect((await post(server, '/sandbox/ilink/messages', { text: 'hi from my phone' })).status).toBe(200)
    await waitForMore(server, ownerMessage)
    expect((await notify('one')).isError).toBeFalsy()
    expect((await notify('two')).isError).toBeFalsy()
    const third = await notify('three')
    expect(third.isError).toBe(true)
    expect(JSON.stringify(third.structuredContent)).toMatch(/Not sent: ClawBot has sent 2 messages since your last message/)
    await client.close()

    const logins = count(server, isState('logged_in'))
    expect((await post(server, '/sandbox/ilink/expire')).status).toBe(202)
    await waitForMore(server, isState('expired'))
    await waitForMore(server, isState('logged_in'), logins)
    expect(server.logs().filter((l) => l.msg === 'the simulated WeChat refused a request')).toEqual([])

    await server.stop()
    server = await startServer({ ...ENV, DATA_DIR: server.dataDir }, { waitForLogin: false })
    await waitForMore(server, isState('logged_in'))
    expect(states(server)).not.toContain('waiting_for_scan')
    expect(server.logs().filter((l) => l.msg === 'the simulated WeChat refused a request')).toEqual([])
  }, 120_000)

  it('POST /sandbox/messages {"from":"me"} writes to the simulated ClawBot when it carries the owner conversation', async () => {
    server = await startServer(ENV, { waitForLogin: false })
    await waitForMore(server, isState('logged_in'))
    const client = await connect(server.url, 'streamableHttp')
    const since = new Date(Date.now() - 1).toISOString()
    expect((await post(server, '/sandbox/messages', { from: 'me', text: 'typed to ClawBot' })).status).toBe(200)
    const reply = await call(client, 'waitForMyReply', { timeoutSeconds: 60, since })
    expect(JSON.stringify(reply.structuredContent)).toContain('typed to ClawBot')
    // The window is open now: the agent can answer through ClawBot.
    const sent = await call(client, 'sendMessageToMe', { message: 'got it' })
    expect(sent.isError).toBeFalsy()
    expect(JSON.stringify(sent.structuredContent)).toMatch(/"road":"ilink"/)
    await client.close()
  }, 120_000)

  it('is not there without ILINK_ENABLED', async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: ENV.WECHAT_MOCK_FIXTURE }, { waitForLogin: false })
    expect((await post(server, '/sandbox/ilink/expire')).status).toBe(404)
    const health = (await (await fetch(`${server.url}/health`)).json()) as { ilink: { status: string } }
    expect(health.ilink.status).toBe('off')
  }, 60_000)
})
