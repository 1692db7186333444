import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { runNotifyCli } from '../../src/notify/cli.js'
import { createNotifier } from '../../src/notify/notifier.js'
import { configFrom, silentLogger, startServer, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function sink() {
  const chunks: string[] = []
  const stream = new Writable({
    write(c, _e, done) {
      chunks.push(String(c))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

async function run(argv: string[], env: Record<string, string>) {
  const config = configFrom(env)
  const logger = silentLogger(config)
  const stdout = sink()
  const stderr = sink()
  const code = await runNotifyCli(argv, { config, logger, notifier: createNotifier({ config, logger }), stdout: stdout.stream, stderr: stderr.stream })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

const ok = () => startServer({ json: { errcode: 0 } })

describe('wechat-mcp notify / event', () => {
  it('exit 0 when a channel accepted, with one line per channel', async () => {
    server = await ok()
    const r = await run(['notify', '--title', 'T', '--content', 'C'], { DD_BOT_TOKEN: 't1', DD_ORIGIN: server.origin })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Delivered to 1 of 1 channel\(s\)\.\n✓ dingtalk HTTP 200 \(\d+ ms\)\n$/)
    expect(server.requests[0].json).toEqual({ msgtype: 'text', text: { content: 'T\n\nC' } })
  })

  it('exit 1 when every channel failed', async () => {
    server = await startServer({ json: { errcode: 310000, errmsg: 'sign not match' } })
    const r = await run(['notify', '--title', 'T', '--content', 'C'], { DD_BOT_TOKEN: 't1', DD_ORIGIN: server.origin })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('✗ dingtalk')
    expect(r.stdout).toContain('310000')
  })

  it('exit 2 when no channel is configured, saying what to set', async () => {
    const r = await run(['notify', '--title', 'T', '--content', 'C'], {})
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('docs/channels.md')
    expect(r.stderr).toContain('TG_BOT_TOKEN')
    expect(r.stderr).not.toContain('WECHAT_NOTIFY_TO=filehelper')
  })

  it('exit 2 with only WECHAT_NOTIFY_TO set: says it works through the running server only, and names the webhook channels', async () => {
    const r = await run(['notify', '--title', 'T', '--content', 'C'], { WECHAT_NOTIFY_TO: 'filehelper' })
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/WECHAT_NOTIFY_TO is set, but it only works through the running server \(the notify_send and notify_event tools\)/)
    expect(r.stderr).toContain('docs/channels.md')
    expect(r.stderr).toMatch(/DD_BOT_TOKEN.*QYWX_KEY.*BARK_PUSH/)
    expect(r.stderr).not.toContain('WECHAT_NOTIFY_TO=filehelper')
    const event = await run(['event', '--run-id', 'r1', '--event', 'end', '--message', 'done'], { WECHAT_NOTIFY_TO: 'filehelper' })
    expect(event.code).toBe(2)
    expect(event.stderr).toContain('only works through the running server')
  })

  it('--json prints the report as JSON', async () => {
    server = await ok()
    const r = await run(['notify', '--title', 'T', '--content', '', '--json', '--channels', 'dingtalk,nope'], { DD_BOT_TOKEN: 't1', DD_ORIGIN: server.origin })
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report).toMatchObject({ outcome: 'delivered', delivered: 1, failed: 1 })
    expect(report.results.map((x: { channel: string }) => x.channel)).toEqual(['dingtalk', 'nope'])
  })

  it('event: renders the event, parses --data, honours NOTIFY_EVENTS', async () => {
    server = await ok()
    const env = { DD_BOT_TOKEN: 't1', DD_ORIGIN: server.origin, NOTIFY_EVENTS: 'end' }
    const sent = await run(['event', '--run-id', 'run-7', '--event', 'end', '--message', 'done', '--data', '{"tests":"3 passed"}', '--timestamp', '2025-01-01T00:00:00Z'], env)
    expect(sent.code).toBe(0)
    expect(server.requests[0].json).toEqual({ msgtype: 'text', text: { content: '✅ end · run-7\n\ndone\n\ntests: 3 passed\n\ntime: 2025-01-01T00:00:00.000Z' } })
    const skipped = await run(['event', '--run-id', 'run-7', '--event', 'start', '--message', 'go', '--json'], env)
    expect(skipped.code).toBe(0)
    expect(JSON.parse(skipped.stdout)).toMatchObject({ outcome: 'skipped', results: [] })
    expect(server.requests).toHaveLength(1)
  })

  it('SKIP_PUSH_TITLE counts as a deliberate skip: exit 0', async () => {
    server = await ok()
    const r = await run(['notify', '--title', 'T', '--content', 'C'], { DD_BOT_TOKEN: 't1', DD_ORIGIN: server.origin, SKIP_PUSH_TITLE: 'T' })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('SKIP_PUSH_TITLE')
    expect(server.requests).toHaveLength(0)
  })

  it.each([
    [['notify', '--content', 'C'], '--title is required'],
    [['notify', '--title', 'T'], '--content is required'],
    [['notify', '--title', 'T', '--content', 'C', '--bogus'], 'bogus'],
    [['event', '--run-id', 'r', '--event', 'finished', '--message', 'm'], '--event must be one of'],
    [['event', '--run-id', 'r', '--event', 'end', '--message', 'm', '--data', '[1]'], '--data must be a JSON object'],
    [['event', '--run-id', 'r', '--event', 'end', '--message', 'm', '--data', '{oops'], '--data must be a JSON object'],
    [['frobnicate'], 'unknown command'],
  ])('bad arguments %j → exit 2 with usage on stderr', async (argv, message) => {
    const r = await run(argv, { DD_BOT_TOKEN: 't1' })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(r.stderr).toContain('Usage:')
    expect(r.stdout).toBe('')
  })
})
