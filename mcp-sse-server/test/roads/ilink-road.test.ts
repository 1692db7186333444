import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { IlinkRoadOptions } from '../../src/roads/ilink/road.js'
import { STORE_FILE } from '../../src/roads/ilink/store.js'
import { FakeIlink, OWNER_ID } from '../helpers/fake-ilink.js'
import { login, makeRoad as makeHarness, ownerSays, waitForMessages, waitForStatus, type Harness } from '../helpers/ilink-road.js'

const HOUR = 3_600_000
let fake: FakeIlink
const harnesses: Harness[] = []

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.road.stop()
  expect(fake.violations).toEqual([])
  await fake.close()
})

function makeRoad(dataDir?: string, overrides: Partial<IlinkRoadOptions> = {}): Harness {
  const h = makeHarness(fake, dataDir, overrides)
  harnesses.push(h)
  return h
}

describe('iLink road: login', () => {
  it('shows the QR, then scanned, then logs in; the login is saved 0600', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await h.road.start()
    const waiting = await waitForStatus(h.road, 'waiting_for_scan', (s) => !!s.qr)
    expect(waiting.qr).toMatch(/^https:\/\/liteapp\.weixin\.qq\.com\/q\/sandbox\?qrcode=/)
    expect(waiting.action).toContain('http://127.0.0.1:8083/login')
    fake.scan()
    const scanned = await waitForStatus(h.road, 'scanned')
    expect(scanned.action).toMatch(/confirm on your phone/i)
    fake.confirm()
    const loggedIn = await waitForStatus(h.road, 'logged_in')
    expect(loggedIn.user?.name).toBe('ClawBot')
    // Logged in, but ClawBot can reach the owner only after they wrote to it.
    expect(loggedIn.action).toMatch(/Send any message to ClawBot in WeChat/)
    expect(h.road.canSend()).toMatchObject({ ok: false, code: 'no_owner_message' })

    const file = path.join(h.dataDir, STORE_FILE)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8')).login).toMatchObject({ botToken: fake.token, ownerId: OWNER_ID })
  })

  it('replaces an expired QR with a new one', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await h.road.start()
    const first = await waitForStatus(h.road, 'waiting_for_scan', (s) => !!s.qr)
    fake.expireQr()
    const second = await waitForStatus(h.road, 'waiting_for_scan', (s) => !!s.qr && s.qr !== first.qr)
    expect(second.qr).not.toBe(first.qr)
    expect(fake.qrIssued).toBe(2)
  })

  it('resumes after a restart without a scan: same token, cursor and context_token', async () => {
    fake = await FakeIlink.start()
    const first = makeRoad()
    await login(first)
    await ownerSays(first, 'hello')
    await first.road.stop()

    const polls = fake.count('/ilink/bot/getupdates')
    const second = makeRoad(first.dataDir)
    await second.road.start()
    expect(second.road.state.status).toBe('logged_in')
    // The next poll carries the cursor of the last answer (the fake flags any other), and the token still works.
    await fake.waitForRequest('/ilink/bot/getupdates', () => true, polls)
    expect(fake.qrIssued).toBe(1)
    expect(await second.road.sendToOwner({ kind: 'text', text: 'back again' })).toMatchObject({ ok: true })
    expect(fake.sent).toHaveLength(1)
    // The message the first run already saw is not delivered again.
    fake.ownerSays('second')
    const received = await waitForMessages(second, 2)
    expect(received.map((m) => [m.sender.self, m.text])).toEqual([
      [true, 'back again'],
      [false, 'second'],
    ])
  })
})

describe('iLink road: inbound', () => {
  it('delivers text, file, voice (with transcript) and image as the `me` chat', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h)
    const id = fake.ownerSays('帮我查一下')
    fake.ownerSays({ type: 4, file_item: { file_name: '报告.pdf', len: '1024' } })
    fake.ownerSays({ type: 3, voice_item: { text: '明天下午三点', playtime: 2400 } })
    fake.ownerSays({ type: 2, image_item: {} })
    const messages = await waitForMessages(h, 4)
    expect(messages.map((m) => [m.type, m.text, m.fileName])).toEqual([
      ['text', '帮我查一下', undefined],
      ['file', undefined, '报告.pdf'],
      ['voice', '明天下午三点', undefined],
      ['image', undefined, undefined],
    ])
    for (const m of messages) {
      expect(m.chat).toEqual({ type: 'contact', id: 'me', name: 'Me (the user)' })
      expect(m.sender.self).toBe(false)
    }
    // uint64 ids arrive as bare numbers past 2^53: read exactly.
    expect(messages[0].id).toBe(id)
    expect(h.road.canSend()).toEqual({ ok: true })
  })
})

describe('iLink road: outbound', () => {
  it('sends text with the latest context_token and echoes it into the `me` chat', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h, 'first')
    await ownerSays(h, 'second')
    const result = await h.road.sendToOwner({ kind: 'text', text: '收到' })
    expect(result).toMatchObject({ ok: true })
    expect(fake.sent.map((s) => s.item)).toEqual([{ type: 1, text_item: { text: '收到' } }])
    const echo = h.messages.at(-1)!
    expect(echo).toMatchObject({ chat: { id: 'me' }, sender: { self: true }, type: 'text', text: '收到' })
  })

  it('sends a file and an image through the encrypted CDN upload, byte for byte', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h, 'send me the report')
    const pdf = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251))
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    expect(await h.road.sendToOwner({ kind: 'file', name: 'report.pdf', mediaType: 'application/pdf', size: pdf.length, bytes: async () => pdf })).toMatchObject({ ok: true })
    expect(await h.road.sendToOwner({ kind: 'file', name: 'chart.png', mediaType: 'image/png', size: png.length, bytes: async () => png })).toMatchObject({ ok: true })
    expect(fake.uploads.map((u) => [u.mediaType, u.bytes.equals(pdf) || u.bytes.equals(png)])).toEqual([
      [3, true],
      [1, true],
    ])
    expect(fake.uploads[0].bytes.equals(pdf)).toBe(true)
    expect(fake.sent.map((s) => s.item.type)).toEqual([4, 2])
    expect(fake.sent[0].item).toMatchObject({ file_item: { file_name: 'report.pdf', len: '5000' } })
    expect(h.messages.slice(-2).map((m) => [m.type, m.fileName])).toEqual([
      ['file', 'report.pdf'],
      ['image', 'chart.png'],
    ])
  })

  it('refuses at once outside the window, without asking WeChat', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h)
    expect(await h.road.sendToOwner({ kind: 'text', text: 'too early' })).toMatchObject({ ok: false, code: 'no_owner_message' })
    await ownerSays(h, 'hi')
    h.clock.now += 24 * HOUR + 1
    const check = h.road.canSend()
    expect(check).toMatchObject({ ok: false, code: 'window_closed' })
    expect(!check.ok && check.detail).toMatch(/Send any message to ClawBot in WeChat, then retry\./)
    expect(await h.road.sendToOwner({ kind: 'text', text: 'too late' })).toMatchObject({ ok: false, code: 'window_closed' })
    expect(fake.count('/ilink/bot/sendmessage')).toBe(0)
    // A new message from the owner opens the window again.
    await ownerSays(h, 'hi again')
    expect(await h.road.sendToOwner({ kind: 'text', text: 'now' })).toMatchObject({ ok: true })
  })

  it('refuses past the per-message budget, counting sends still in flight; the next owner message refills it', async () => {
    fake = await FakeIlink.start({ maxPerOwnerMessage: 3 })
    const h = makeRoad(undefined, { maxPerOwnerMessage: 3 })
    await login(h, 'go')
    const results = await Promise.all([1, 2, 3, 4].map((n) => h.road.sendToOwner({ kind: 'text', text: `update ${n}` })))
    expect(results.map((r) => (r.ok ? 'sent' : r.code))).toEqual(['sent', 'sent', 'sent', 'budget_spent'])
    expect(fake.count('/ilink/bot/sendmessage')).toBe(3)
    expect(h.road.canSend()).toMatchObject({ ok: false, code: 'budget_spent' })
    await ownerSays(h, 'more')
    expect(await h.road.sendToOwner({ kind: 'text', text: 'update 5' })).toMatchObject({ ok: true })
  })

  it('never reports a send WeChat refused (ret ≠ 0) as sent', async () => {
    fake = await FakeIlink.start()
    // Our window is wider than WeChat's: WeChat has the last word.
    const h = makeRoad(undefined, { windowHours: 48 })
    await login(h, 'hi')
    fake.advance(25 * HOUR)
    h.clock.now += 25 * HOUR
    const echoes = h.messages.length
    const result = await h.road.sendToOwner({ kind: 'text', text: 'late' })
    expect(result).toMatchObject({ ok: false, code: 'send_failed' })
    expect(!result.ok && result.detail).toMatch(/WeChat refused the message \(iLink sendmessage refused \(ret -2: out of reply window\)\)/)
    // What to do keeps the names as WeChat spells them.
    expect(!result.ok && result.detail).toMatch(/If your last message to ClawBot is old, send any message to ClawBot in WeChat, then retry\.$/)
    expect(fake.sent).toHaveLength(0)
    expect(h.messages.length).toBe(echoes)
  })
})

describe('iLink road: trouble', () => {
  it('-14 on the long poll → expired with a new QR; a new scan logs in again', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h, 'hi')
    fake.staleToken()
    const expired = await waitForStatus(h.road, 'expired', (s) => !!s.qr)
    expect(expired.reason).toMatch(/token went stale/)
    expect(h.road.canSend()).toMatchObject({ ok: false, code: 'not_logged_in' })
    expect(existsSync(path.join(h.dataDir, STORE_FILE))).toBe(false)
    fake.scan()
    await waitForStatus(h.road, 'scanned')
    fake.confirm()
    await waitForStatus(h.road, 'logged_in')
    expect(fake.qrIssued).toBe(2)
    // The new login reads a new update stream from its start: nothing from before it comes again.
    await fake.waitForRequest('/ilink/bot/getupdates', (r) => r.headers.authorization === `Bearer ${fake.token}`)
    const seen = h.messages.length
    await ownerSays(h, 'after the new scan')
    expect(h.messages.slice(seen).map((m) => m.text)).toEqual(['after the new scan'])
  })

  it('-14 on a send → not sent, expired', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h, 'hi')
    // Only the send sees it: the long poll in flight answers only when news comes.
    fake.staleToken({ wakePolls: false })
    const result = await h.road.sendToOwner({ kind: 'text', text: 'x' })
    expect(result).toMatchObject({ ok: false, code: 'expired' })
    expect(!result.ok && result.detail).toMatch(/^WeChat ended the ClawBot login/)
    // The held long poll with the dead token is dropped and a new QR follows without waiting for it.
    await waitForStatus(h.road, 'expired', (s) => !!s.qr)
    expect(fake.qrIssued).toBe(2)
  })

  it('survives network errors on the long poll with growing backoff, and keeps receiving', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h)
    const polls = fake.count('/ilink/bot/getupdates')
    h.sleeps.length = 0
    fake.failNextPolls(3)
    const trouble = waitForStatus(h.road, 'logged_in', (s) => /cannot be reached/.test(s.reason ?? ''))
    const recovered = trouble.then(() => waitForStatus(h.road, 'logged_in', (s) => !/cannot be reached/.test(s.reason ?? '')))
    // The poll in flight answers with this message; the next three hit a broken connection.
    fake.ownerSays('before the outage')
    expect((await trouble).reason).toMatch(/retrying in \d+ s/)
    fake.ownerSays('after the outage')
    await recovered
    const received = await waitForMessages(h, 2)
    expect(received.map((m) => m.text)).toEqual(['before the outage', 'after the outage'])
    expect(fake.count('/ilink/bot/getupdates')).toBeGreaterThanOrEqual(polls + 4)
    expect(h.sleeps).toHaveLength(3)
    expect(h.sleeps[0]).toBeLessThan(h.sleeps[1])
    expect(h.sleeps[1]).toBeLessThan(h.sleeps[2])
  })

  it('keeps trying to get a QR while WeChat cannot be reached, and says so', async () => {
    fake = await FakeIlink.start()
    const closedPort = await (async () => {
      const probe = await FakeIlink.start()
      const url = probe.url
      await probe.close()
      return url
    })()
    const h = makeRoad(undefined, { baseUrl: closedPort })
    await h.road.start()
    const state = await waitForStatus(h.road, 'starting', (s) => /cannot be reached/.test(s.reason ?? '') && h.sleeps.length >= 3)
    expect(state.reason).toMatch(/retrying in \d+ s/)
    expect(h.sleeps[0]).toBeLessThan(h.sleeps[2])
  })
})

describe('iLink road: secrets', () => {
  it('keeps the bot token and context token out of logs and results', async () => {
    fake = await FakeIlink.start()
    const h = makeRoad()
    await login(h, 'hi')
    const results = [await h.road.sendToOwner({ kind: 'text', text: 'ok' }), h.road.canSend()]
    fake.failNextPolls(1)
    fake.ownerSays('again')
    await waitForMessages(h, 3)
    const token = fake.token!
    const context = fake.contextToken!
    // A log line that carries them anyway (an error echoing a request, say) is scrubbed: registered at login.
    const road = h.road as unknown as { log: { warn: (o: object, m: string) => void } }
    road.log.warn({ echoed: `Bearer ${token}` }, `context ${context}`)
    await new Promise((resolve) => setImmediate(resolve))
    const logs = h.logs()
    expect(logs).toContain('[REDACTED]')
    for (const secret of [token, context]) {
      expect(logs).not.toContain(secret)
      expect(JSON.stringify(results)).not.toContain(secret)
      expect(JSON.stringify(h.states)).not.toContain(secret)
      expect(JSON.stringify(h.messages)).not.toContain(secret)
    }
  })
})
