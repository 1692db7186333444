/**
 * WeChat as a notification channel, as a unit: the real channel over a real Sender, Pacer and audit log (fake
 * WeChat). Fake timers stand in for the minute a per-minute cap makes a queued send wait, so "never goes out
 * later" is checked past the moment it would have gone out, without waiting for it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import type { ExtraChannel, SendOutcome } from '../../src/notify/types.js'
import { wechatChannel } from '../../src/notify/wechat-channel.js'
import { Pacer } from '../../src/wechat/pacer.js'
import type { TargetKind } from '../../src/wechat/sender.js'
import { buildSender } from '../helpers/sender.js'
import { configFrom, silentLogger } from './helpers.js'

/** The brief's numbers: the minute's only slot, a one-place queue, a short request timeout. */
const ENV = {
  WECHAT_NOTIFY_TO: 'filehelper',
  WECHAT_SEND_MIN_INTERVAL_MS: '0',
  WECHAT_SEND_MAX_PER_MINUTE: '1',
  WECHAT_SEND_QUEUE_MAX: '1',
  WECHAT_REPEAT_WINDOW_S: '0',
  NOTIFY_TIMEOUT_MS: '100',
}
const MESSAGE = { title: 'Build finished', content: 'all green' }
const NOTIFY_TEXT = `${MESSAGE.title}\n\n${MESSAGE.content}`
const TOOL_SEND = { tool: 'sendMessageToFriend', kind: 'contact' as const, target: { name: '张三' }, text: 'from a tool' }

interface Said {
  kind: TargetKind
  id: string
  text: unknown
}

/** A pacer with the brief's settings that says when a send has to wait, and a sender over it. */
function harness(say?: (s: Said) => Promise<void>) {
  let queued!: () => void
  const whenQueued = new Promise<void>((resolve) => (queued = resolve))
  const pacer = new Pacer({ minIntervalMs: 0, maxPerMinute: 1, queueMax: 1, onQueued: () => queued() })
  const said: Said[] = []
  const h = buildSender({
    pacer,
    say: async (kind, id, text) => {
      said.push({ kind, id, text })
      await say?.({ kind, id, text })
    },
  })
  const config = configFrom(ENV)
  const channel = wechatChannel(h.sender, config)!
  const notifyLines = () => h.auditLines().filter((l) => l.tool === 'notify')
  return { ...h, pacer, said, config, channel, whenQueued, notifyLines }
}

beforeEach(() => {
  // Only the clocks the pacer and the fan-out use; file I/O (the audit log) stays real.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('wechatChannel with a real Sender and Pacer', () => {
  it('allows a queued notification at least the per-minute wait (here more than 60 s)', () => {
    const { channel } = harness()
    expect(channel.id).toBe('wechat')
    expect(channel.timeoutMs).toBeGreaterThan(60_000)
  })

  it('a notification abandoned while it waits for its turn fails, is audited, and never goes out', async () => {
    const h = harness()
    const tool = await h.sender.send(TOOL_SEND)
    expect(tool.ok).toBe(true)

    // The minute's only slot is used: the notification has to wait for the next minute.
    const controller = new AbortController()
    const pending = h.channel.send(MESSAGE, controller.signal)
    await h.whenQueued
    expect(h.pacer.pending).toBe(1)

    controller.abort()
    expect(h.pacer.pending).toBe(0)
    // Well past the moment its turn would have come (awaited only then, so a send that stayed queued shows up here
    // as a delivery instead of a hang): nothing went out.
    await vi.advanceTimersByTimeAsync(3 * 60_000)
    const outcome = await pending
    expect(h.said.map((s) => s.text)).toEqual(['from a tool'])
    expect(outcome.ok).toBe(false)
    expect(outcome.error).toMatch(/^Not sent: .*cancelled or timed out while waiting for its turn/)
    expect(h.notifyLines()).toEqual([
      expect.objectContaining({ tool: 'notify', target: { type: 'contact', id: 'filehelper', name: '文件传输助手' }, text: NOTIFY_TEXT, ok: false }),
    ])

    // The queue moved on: the next send goes out alone, with nothing left behind it.
    const next = await h.sender.send({ ...TOOL_SEND, target: { name: 'Bob' }, text: 'next' })
    expect(next.ok).toBe(true)
    expect(h.said.map((s) => s.text)).toEqual(['from a tool', 'next'])
    expect(h.pacer.pending).toBe(0)
    expect(h.notifyLines().filter((l) => l.ok === true)).toEqual([])
  })

  it('through the fan-out: when the channel deadline passes in the queue, the result is a failure and nothing goes out later', async () => {
    // WeChat takes the tool's message but does not answer for a while, so the notification waits longer than
    // its deadline (the deadline otherwise covers a full queue at the per-minute cap).
    let release!: () => void
    let saying!: () => void
    const toolSaying = new Promise<void>((resolve) => (saying = resolve))
    const h = harness(async (s) => {
      if (s.text !== 'from a tool') return
      saying()
      await new Promise<void>((resolve) => (release = resolve))
    })
    let channelSend: Promise<SendOutcome> | undefined
    const spy: ExtraChannel = {
      ...h.channel,
      send: (message, signal) => (channelSend = h.channel.send(message, signal)),
    }
    const notifier = createNotifier({ config: h.config, logger: silentLogger(h.config), channels: [], extraChannels: [spy] })

    const tool = h.sender.send(TOOL_SEND)
    await toolSaying
    const report = notifier.send(MESSAGE)
    await h.whenQueued

    await vi.advanceTimersByTimeAsync(h.channel.timeoutMs!)
    const { results } = await report
    expect(results).toEqual([expect.objectContaining({ channel: 'wechat', ok: false, error: `timed out after ${h.channel.timeoutMs} ms` })])
    expect(h.pacer.pending).toBe(1) // only the tool's send, still with WeChat

    release()
    expect((await tool).ok).toBe(true)
    await vi.advanceTimersByTimeAsync(3 * 60_000)
    expect(h.said.map((s) => s.text)).toEqual(['from a tool'])
    expect(h.pacer.pending).toBe(0)
    // The channel itself saw its send taken out of the queue, and audited it.
    expect(await channelSend).toMatchObject({ ok: false, error: expect.stringMatching(/cancelled or timed out/) })
    expect(h.notifyLines()).toEqual([expect.objectContaining({ text: NOTIFY_TEXT, ok: false })])
  })

  it('a notification whose turn comes within the deadline goes out, a full minute after the send before it', async () => {
    const h = harness()
    const notifier = createNotifier({ config: h.config, logger: silentLogger(h.config), channels: [], extraChannels: [h.channel] })
    expect((await h.sender.send(TOOL_SEND)).ok).toBe(true)
    const report = notifier.send(MESSAGE)
    await h.whenQueued
    await vi.advanceTimersByTimeAsync(60_000)
    const { results } = await report
    expect(results).toEqual([expect.objectContaining({ channel: 'wechat', ok: true })])
    expect(h.said.map((s) => [s.id, s.text])).toEqual([
      ['c1', 'from a tool'],
      ['filehelper', NOTIFY_TEXT],
    ])
    const [toolLine, notifyLine] = h.auditLines()
    expect(notifyLine).toMatchObject({ tool: 'notify', ok: true })
    expect(Date.parse(notifyLine.ts as string) - Date.parse(toolLine.ts as string)).toBeGreaterThanOrEqual(60_000)
  })
})
