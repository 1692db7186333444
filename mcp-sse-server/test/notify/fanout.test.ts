import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import { channels } from '../../src/notify/registry.js'
import type { ChannelDefinition } from '../../src/notify/types.js'
import { captureLogger, closedPort, configFrom, extra, silentLogger, startServer, type TestServer } from './helpers.js'

const servers: TestServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})
async function server(...args: Parameters<typeof startServer>) {
  const s = await startServer(...args)
  servers.push(s)
  return s
}

const byId = (id: string) => channels.find((c) => c.id === id)!
const MSG = { title: 'Build done', content: 'all green' }

describe('fan-out', () => {
  it('reports a hung channel failed at its timeout while the others succeed', async () => {
    const hung = await server('hang')
    const fine = await server({ json: { errcode: 0 } })
    const config = configFrom({ NOTIFY_TIMEOUT_MS: '1000', BARK_PUSH: `${hung.origin}/key`, DD_BOT_TOKEN: 'tok1', DD_ORIGIN: fine.origin })
    const notifier = createNotifier({ config, logger: silentLogger(config) })
    // Outcomes, not wall-clock: the fan-out resolves (a hang would time the test out), the hung channel is reported
    // failed with its timeout, and the healthy one succeeded all the same.
    const report = await notifier.send(MSG)
    expect(report.results.map((r) => r.channel)).toEqual(['bark', 'dingtalk'])
    const bark = report.results.find((r) => r.channel === 'bark')!
    const dingtalk = report.results.find((r) => r.channel === 'dingtalk')!
    expect(bark).toMatchObject({ ok: false, error: 'timed out after 1000 ms' })
    // A lower bound only: the hung channel really waited for its deadline.
    expect(bark.durationMs).toBeGreaterThanOrEqual(990)
    expect(dingtalk).toMatchObject({ ok: true, status: 200 })
    expect(hung.requests).toHaveLength(1)
    expect(fine.requests).toHaveLength(1)
  })

  it('isolates a 500, a refused connection and a garbage body from a success', async () => {
    const error500 = await server({ status: 500, text: 'Internal Server Error' })
    const garbage = await server({ text: '<html>not json' })
    const fine = await server({ json: { errcode: 0 } })
    const refused = await closedPort()
    const config = configFrom({
      BARK_PUSH: `${error500.origin}/key`,
      DD_BOT_TOKEN: 'tok1',
      DD_ORIGIN: `http://127.0.0.1:${refused}`,
      FSKEY: 'fskey1',
      FS_ORIGIN: garbage.origin,
      QYWX_KEY: 'qykey1',
      QYWX_ORIGIN: fine.origin,
    })
    const report = await createNotifier({ config, logger: silentLogger(config) }).send(MSG)
    const result = Object.fromEntries(report.results.map((r) => [r.channel, r]))
    expect(Object.keys(result)).toEqual(['bark', 'dingtalk', 'feishu', 'wecom-bot'])
    expect(result.bark).toMatchObject({ ok: false, status: 500 })
    expect(result.bark.error).toContain('Internal Server Error')
    expect(result.dingtalk.ok).toBe(false)
    expect(result.dingtalk.error).toMatch(/ECONNREFUSED/)
    expect(result.feishu).toMatchObject({ ok: false, status: 200 })
    expect(result.feishu.error).toContain('not a JSON object')
    expect(result['wecom-bot']).toMatchObject({ ok: true, status: 200 })
    for (const r of report.results) expect(r.durationMs).toEqual(expect.any(Number))
  })

  it('isolates a channel whose send throws, synchronously or not, despite the contract', async () => {
    const fine = await server({ json: { errcode: 0 } })
    const throwsSync: ChannelDefinition = {
      id: 'sync-bomb', name: 'x', variables: {}, successRule: '', enabled: () => true,
      status: () => ({ id: 'sync-bomb', state: 'on', set: [], missing: [] }),
      secretValues: () => [],
      send: () => {
        throw new Error('kaboom')
      },
    }
    const config = configFrom({ QYWX_KEY: 'qykey1', QYWX_ORIGIN: fine.origin })
    const notifier = createNotifier({
      config,
      logger: silentLogger(config),
      channels: [throwsSync, byId('wecom-bot')],
      extraChannels: [extra('async-bomb', async () => Promise.reject(new TypeError('nope')))],
    })
    const report = await notifier.send(MSG)
    expect(report.results.map((r) => [r.channel, r.ok])).toEqual([['sync-bomb', false], ['wecom-bot', true], ['async-bomb', false]])
    expect(report.results[0].error).toContain('kaboom')
    expect(report.results[2].error).toContain('nope')
  })

  it('fans out to extra channels (WeChat) like any other, aborting them at their deadline', async () => {
    const config = configFrom({ NOTIFY_TIMEOUT_MS: '200' })
    let seenSignal: AbortSignal | undefined
    const notifier = createNotifier({
      config,
      logger: silentLogger(config),
      extraChannels: [
        extra('wechat', async (msg) => ({ ok: msg.title === 'Build done' })),
        extra('slow', (_msg, signal) => {
          seenSignal = signal
          return new Promise(() => {})
        }),
      ],
    })
    expect(notifier.configuredChannels()).toEqual(['wechat', 'slow'])
    const report = await notifier.send(MSG)
    expect(report.results).toMatchObject([
      { channel: 'wechat', ok: true },
      { channel: 'slow', ok: false, error: 'timed out after 200 ms' },
    ])
    expect(seenSignal?.aborted).toBe(true)
  })

  it('skips the whole send when the title is listed in SKIP_PUSH_TITLE (exact match)', async () => {
    const fine = await server({ json: { errcode: 0 } })
    const config = configFrom({ SKIP_PUSH_TITLE: 'Nightly\nBuild done', QYWX_KEY: 'qykey1', QYWX_ORIGIN: fine.origin })
    const notifier = createNotifier({ config, logger: silentLogger(config) })
    const skipped = await notifier.send(MSG)
    expect(skipped).toEqual({ skipped: expect.stringContaining('SKIP_PUSH_TITLE'), results: [] })
    expect(fine.requests).toHaveLength(0)
    const sent = await notifier.send({ title: 'Build done!', content: 'x' })
    expect(sent.results).toMatchObject([{ channel: 'wecom-bot', ok: true }])
  })

  it('limits delivery to the channels named in the request, and reports unknown or unconfigured ones', async () => {
    const fine = await server({ json: { errcode: 0 } })
    const config = configFrom({ QYWX_KEY: 'qykey1', QYWX_ORIGIN: fine.origin, DD_BOT_TOKEN: 'tok1', DD_ORIGIN: fine.origin })
    const notifier = createNotifier({ config, logger: silentLogger(config) })
    const only = await notifier.send({ ...MSG, channels: ['DingTalk'] })
    expect(only.results.map((r) => r.channel)).toEqual(['dingtalk'])
    expect(fine.requests.map((r) => r.path)).toEqual(['/robot/send'])

    const wrong = await notifier.send({ ...MSG, channels: ['dingtalk', 'nope', 'telegram'] })
    expect(wrong.results.map((r) => [r.channel, r.ok])).toEqual([['dingtalk', true], ['nope', false], ['telegram', false]])
    expect(wrong.results[1].error).toContain('unknown channel "nope"')
    expect(wrong.results[1].error).toContain('wecom-bot')
    expect(wrong.results[2].error).toContain('TG_BOT_TOKEN')
  })

  it('HITOKOTO is off by default; when on, it is appended, and a hung fetch does not block the send', async () => {
    const hitokoto = await server({ json: { hitokoto: '山不在高', from: '陋室铭' } })
    const fine = await server({ json: { errcode: 0 } })
    const base = { QYWX_KEY: 'qykey1', QYWX_ORIGIN: fine.origin }

    let config = configFrom(base)
    await createNotifier({ config, logger: silentLogger(config), hitokotoUrl: hitokoto.origin }).send(MSG)
    expect(hitokoto.requests).toHaveLength(0)
    expect(fine.requests[0].json).toEqual({ msgtype: 'text', text: { content: 'Build done\n\nall green' } })

    config = configFrom({ ...base, HITOKOTO: 'true' })
    await createNotifier({ config, logger: silentLogger(config), hitokotoUrl: hitokoto.origin }).send(MSG)
    expect(hitokoto.requests).toHaveLength(1)
    expect(fine.requests[1].json).toEqual({ msgtype: 'text', text: { content: 'Build done\n\nall green\n\n山不在高    ----陋室铭' } })

    const hung = await server('hang')
    config = configFrom({ ...base, HITOKOTO: 'true', NOTIFY_TIMEOUT_MS: '1000' })
    const report = await createNotifier({ config, logger: silentLogger(config), hitokotoUrl: hung.origin }).send(MSG)
    expect(report.results).toMatchObject([{ channel: 'wecom-bot', ok: true }])
    expect(fine.requests[2].json).toEqual({ msgtype: 'text', text: { content: 'Build done\n\nall green' } })
  })

  it('returns no results (and no skip) when nothing is configured', async () => {
    const config = configFrom({})
    const notifier = createNotifier({ config, logger: silentLogger(config) })
    expect(notifier.configuredChannels()).toEqual([])
    expect(await notifier.send(MSG)).toEqual({ results: [] })
  })

  it('logs through a child logger tagged component=notify', async () => {
    const fine = await server({ json: { errcode: 0 } })
    const config = configFrom({ QYWX_KEY: 'qykey1', QYWX_ORIGIN: fine.origin })
    const { logger, output } = captureLogger(config)
    await createNotifier({ config, logger }).send(MSG)
    const lines = output().trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toContainEqual(expect.objectContaining({ component: 'notify', channel: 'wecom-bot', msg: 'notification delivered' }))
  })
})
