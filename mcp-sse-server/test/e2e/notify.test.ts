/** notify_send and notify_event through real MCP clients against the running server, channels on local servers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, text, TRANSPORTS } from '../helpers/clients.js'
import { startServer as startMcpServer, type RunningServer } from '../helpers/server.js'
import { startServer as startChannelServer, type TestServer } from '../notify/helpers.js'

let server: RunningServer
let gotify: TestServer
let dingtalk: TestServer
let ntfy: TestServer
const SECRET = 'gotify-app-token-0123456789'
const HALF_SECRET = 'tg-bot-token-half-0123456789'

beforeAll(async () => {
  gotify = await startChannelServer({ json: { id: 7 } })
  dingtalk = await startChannelServer({ json: { errcode: 0, errmsg: 'ok' } })
  ntfy = await startChannelServer({ status: 500, text: 'boom' })
  server = await startMcpServer({
    GOTIFY_URL: gotify.origin,
    GOTIFY_TOKEN: SECRET,
    DD_BOT_TOKEN: 'dd-access-token-abcdef',
    DD_ORIGIN: dingtalk.origin,
    NTFY_URL: ntfy.origin,
    NTFY_TOPIC: 'builds',
    WECHAT_NOTIFY_TO: 'filehelper',
    NOTIFY_EVENTS: 'start,end,error',
    // Half-configured: Telegram without its chat id.
    TG_BOT_TOKEN: HALF_SECRET,
  })
})
afterAll(async () => {
  await server?.stop()
  await Promise.all([gotify, dingtalk, ntfy].map((s) => s?.close()))
})

type Results = { results: Array<{ channel: string; ok: boolean; error?: string; durationMs: number }> }

describe('the operator is told', () => {
  it('which channels are on and which are half-configured, with what is missing: in the start-up log and /health', async () => {
    const on = ['gotify', 'ntfy', 'dingtalk', 'wechat']
    const half = [{ channel: 'telegram', set: ['TG_BOT_TOKEN'], missing: ['TG_USER_ID'] }]
    const announced = await server.waitForLog((l) => Array.isArray(l.channels))
    expect([...(announced.channels as string[])].sort()).toEqual([...on].sort())
    const warned = await server.waitForLog((l) => l.channel === 'telegram')
    expect(warned).toMatchObject({ level: 40, set: ['TG_BOT_TOKEN'], missing: ['TG_USER_ID'] })
    expect(warned.msg).toContain('telegram is half-configured: TG_BOT_TOKEN is set but TG_USER_ID is missing')
    const health = (await (await fetch(`${server.url}/health`)).json()) as { notify: { on: string[]; halfConfigured: unknown } }
    expect([...health.notify.on].sort()).toEqual([...on].sort())
    expect(health.notify.halfConfigured).toEqual(half)
    expect(JSON.stringify(health) + server.stdout()).not.toContain(HALF_SECRET)
  })
})

describe.each(TRANSPORTS)('over %s', (kind) => {
  it('notify_send reaches every channel, WeChat included, with one result each', async () => {
    const before = gotify.requests.length
    const client = await connect(server.url, kind)
    const r = await call(client, 'notify_send', { title: `Build ${kind}`, content: 'All green ✅' })
    const { results } = r.structuredContent as Results
    const byChannel = Object.fromEntries(results.map((x) => [x.channel, x]))
    expect(Object.keys(byChannel).sort()).toEqual(['dingtalk', 'gotify', 'ntfy', 'wechat'])
    expect(byChannel.gotify.ok).toBe(true)
    expect(byChannel.dingtalk.ok).toBe(true)
    expect(byChannel.wechat.ok).toBe(true)
    expect(byChannel.ntfy).toMatchObject({ ok: false })
    expect(r.isError).toBeFalsy()
    expect(JSON.stringify(r)).not.toContain(SECRET)
    expect(text(r)).toMatch(/gotify/)

    const got = gotify.requests.slice(before)
    expect(got).toHaveLength(1)
    expect(got[0].path).toBe('/message')
    expect(got[0].form.get('title')).toBe(`Build ${kind}`)
    expect(got[0].form.get('message')).toBe('All green ✅')
    const dd = dingtalk.requests.at(-1)!
    expect(dd.query.get('access_token')).toBe('dd-access-token-abcdef')
    expect(dd.json).toEqual({ msgtype: 'text', text: { content: `Build ${kind}\n\nAll green ✅` } })

    const audit = server.auditLines().at(-1)!
    expect(audit).toMatchObject({ tool: 'notify', target: { type: 'contact', id: 'filehelper' }, text: `Build ${kind}\n\nAll green ✅`, ok: true })
    await client.close()
  })

  it('notify_event renders the event, and NOTIFY_EVENTS filters types', async () => {
    const client = await connect(server.url, kind)
    const r = await call(client, 'notify_event', { run_id: `run-${kind}`, event: 'end', message: 'Deploy finished', data: { commit: 'abc123', tests: 212 } })
    expect(r.isError).toBeFalsy()
    const sent = gotify.requests.at(-1)!
    expect(sent.form.get('title')).toContain(`run-${kind}`)
    expect(sent.form.get('message')).toMatch(/Deploy finished[\s\S]*commit: abc123[\s\S]*tests: 212/)

    const before = gotify.requests.length
    const skipped = await call(client, 'notify_event', { run_id: `run-${kind}`, event: 'update', message: 'halfway' })
    expect(skipped.isError).toBeFalsy()
    expect(text(skipped)).toMatch(/"update" events are not delivered \(NOTIFY_EVENTS/)
    expect(skipped.structuredContent).toMatchObject({ skipped: expect.any(String) })
    expect(gotify.requests.length).toBe(before)
    await client.close()
  })

  it('channels limits delivery to the named channels', async () => {
    const client = await connect(server.url, kind)
    const before = dingtalk.requests.length
    const r = await call(client, 'notify_send', { title: 'Only gotify', content: 'x', channels: ['gotify'] })
    expect((r.structuredContent as Results).results.map((x) => x.channel)).toEqual(['gotify'])
    expect(dingtalk.requests.length).toBe(before)
    await client.close()
  })
})

describe('with no channel configured', () => {
  it('notify_send is an error that says which variables to set', async () => {
    const bare = await startMcpServer()
    try {
      const client = await connect(bare.url, 'streamableHttp')
      const r = await call(client, 'notify_send', { title: 't', content: 'c' })
      expect(r.isError).toBe(true)
      expect(text(r)).toMatch(/channels\.md/)
      await client.close()
    } finally {
      await bare.stop()
    }
  })
})
