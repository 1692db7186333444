/**
 * ClawBot as a notification channel and the stale-token notice: the real road against the fake iLink server, the
 * real pacer, audit log and fan-out.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { createNotifier } from '../../src/notify/notifier.js'
import { ilinkChannel } from '../../src/notify/ilink-channel.js'
import { IlinkOutbox } from '../../src/roads/ilink/outbox.js'
import { AuditLog } from '../../src/wechat/audit.js'
import { ilinkExpiredMessage, LogoutWatcher } from '../../src/wechat/logout-watcher.js'
import { Pacer } from '../../src/wechat/pacer.js'
import { httpNotifier, startChannelServer, type ChannelServer } from '../helpers/channel-server.js'
import { FakeIlink } from '../helpers/fake-ilink.js'
import { login, makeRoad, ownerSays, waitForStatus, type Harness } from '../helpers/ilink-road.js'
import { configFrom } from '../notify/helpers.js'

const HOUR = 3_600_000
let fake: FakeIlink
let h: Harness | undefined
let channel: ChannelServer | undefined

afterEach(async () => {
  await h?.road.stop()
  await channel?.close()
  expect(fake.violations).toEqual([])
  await fake.close()
  h = channel = undefined
})

function notifierFor(harness: Harness, queueMax = 20) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ilink-notify-'))
  const pacer = new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax })
  const audit = new AuditLog(dataDir)
  const outbox = new IlinkOutbox(harness.road, pacer, audit)
  const config = configFrom({ DATA_DIR: dataDir })
  const logger = createLogger({ level: 'silent', secrets: [] })
  const notifier = createNotifier({ config, logger, channels: [], extraChannels: [ilinkChannel(outbox, { maxChars: 2000, timeoutMs: 10_000 })] })
  const auditLines = async () => {
    await audit.flushed()
    return readFileSync(audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  }
  return { notifier, outbox, auditLines }
}

describe('the ilink notification channel', () => {
  it('delivers to the owner inside the window, through the audit log', async () => {
    fake = await FakeIlink.start()
    h = makeRoad(fake)
    await login(h, 'tell me when the build is done')
    const { notifier, auditLines } = notifierFor(h)
    expect(notifier.configuredChannels()).toEqual(['ilink'])
    const report = await notifier.send({ title: 'Build finished', content: 'all green' })
    expect(report.results).toMatchObject([{ channel: 'ilink', ok: true }])
    expect(fake.sent.map((s) => s.item)).toEqual([{ type: 1, text_item: { text: 'Build finished\n\nall green' } }])
    expect(await auditLines()).toMatchObject([{ tool: 'notify', target: { type: 'contact', id: 'me' }, ok: true }])
  })

  it('fails at once, per channel, with what to do, outside the window or over the budget', async () => {
    fake = await FakeIlink.start()
    h = makeRoad(fake, undefined, { maxPerOwnerMessage: 1 })
    await login(h)
    const { notifier, auditLines } = notifierFor(h)
    const before = await notifier.send({ title: 't', content: 'before the owner wrote' })
    expect(before.results[0]).toMatchObject({ channel: 'ilink', ok: false })
    expect(before.results[0].error).toMatch(/^Not sent: ClawBot may only message you after you message it\. Send any message to ClawBot in WeChat, then retry\.$/)

    await ownerSays(h, 'ok')
    expect((await notifier.send({ title: 't', content: 'one' })).results[0].ok).toBe(true)
    const over = await notifier.send({ title: 't', content: 'two' })
    expect(over.results[0].error).toMatch(/^Not sent: ClawBot has sent 1 messages since your last message/)

    await ownerSays(h, 'again')
    h.clock.now += 24 * HOUR
    const late = await notifier.send({ title: 't', content: 'late' })
    expect(late.results[0].error).toMatch(/^Not sent: Your last message to ClawBot was 24 hours ago/)
    expect(fake.count('/ilink/bot/sendmessage')).toBe(1)
    // The audit log records the sentence the notification reported, from the same one function.
    expect((await auditLines()).map((l) => [l.ok, l.error])).toEqual([
      [false, before.results[0].error],
      [true, undefined],
      [false, over.results[0].error],
      [false, late.results[0].error],
    ])
  })

  it('admits no more sends into the queue than the budget has room for', async () => {
    fake = await FakeIlink.start({ maxPerOwnerMessage: 2 })
    h = makeRoad(fake, undefined, { maxPerOwnerMessage: 2 })
    await login(h, 'go')
    const { outbox } = notifierFor(h)
    const results = await Promise.all([1, 2, 3].map((n) => outbox.send('notify', { kind: 'text', text: `n${n}` })))
    expect(results.map((r) => (r.ok ? 'sent' : r.code))).toEqual(['sent', 'sent', 'budget_spent'])
    expect(fake.count('/ilink/bot/sendmessage')).toBe(2)
  })
})

describe('the owner outbox and the audit log', () => {
  it('sends nothing whose audit line could not follow', async () => {
    fake = await FakeIlink.start()
    h = makeRoad(fake)
    await login(h, 'hi')
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ilink-audit-'))
    // The log's own path is taken by a directory: no line can be appended.
    mkdirSync(path.join(dataDir, 'audit.jsonl'))
    const audit = new AuditLog(dataDir)
    try {
      const outbox = new IlinkOutbox(h.road, new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax: 20 }), audit)
      const result = await outbox.send('notify', { kind: 'text', text: 'unrecorded' })
      expect(result).toMatchObject({ ok: false, code: 'audit_unavailable' })
      expect(!result.ok && result.detail).toMatch(/^the audit log/)
      expect(fake.count('/ilink/bot/sendmessage')).toBe(0)
    } finally {
      audit.close()
    }
  })
})

describe('stale token notice', () => {
  it('-14 → expired, and the operator is told once through the other channels', async () => {
    fake = await FakeIlink.start()
    channel = await startChannelServer()
    h = makeRoad(fake)
    const notifier = httpNotifier(channel.url, ['local', 'ilink'])
    const watcher = new LogoutWatcher({
      notifier,
      logger: createLogger({ level: 'silent', secrets: [] }),
      loginPageUrl: () => 'https://mcp.example.com/login',
      isPublicUrl: true,
      unreachable: ['ilink'],
      message: ilinkExpiredMessage,
    }).watch(h.road)
    await login(h, 'hi')
    fake.staleToken()
    await waitForStatus(h.road, 'expired', (s) => !!s.qr)
    await watcher.pending
    // The new QR and the scan that follows are not news: one notification, and not through ClawBot itself.
    fake.scan()
    await waitForStatus(h.road, 'scanned')
    await watcher.pending
    expect(notifier.requests).toHaveLength(1)
    expect(notifier.requests[0].channels).toEqual(['local'])
    const [received] = await channel.waitFor(1)
    const body = JSON.parse(received.body) as { title: string; content: string }
    expect(body.title).toBe('ClawBot logged out')
    expect(body.content).toContain('https://mcp.example.com/login')
    expect(body.content).not.toContain(fake.token!)
  })
})

describe('an audit log that cannot be written', () => {
  it('stops ClawBot sends too: refused with the cause, nothing reaches WeChat', async () => {
    fake = await FakeIlink.start()
    h = makeRoad(fake)
    await login(h, 'tell me when the build is done')
    const { outbox } = notifierFor(h)
    const { file } = (outbox as unknown as { audit: AuditLog }).audit
    mkdirSync(file)
    const result = await outbox.send('notify', { kind: 'text', text: 'unrecorded' })
    expect(result).toMatchObject({ ok: false, code: 'audit_unavailable', detail: expect.stringContaining('the path is a directory (EISDIR)') })
    expect(fake.sent).toEqual([])
  })
})
