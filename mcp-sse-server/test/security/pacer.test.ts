/** The outbound queue, on a fake clock: spacing with jitter, the per-minute cap, FIFO order, the bound, failures. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Pacer, QueueFullError, SendAbandonedError } from '../../src/wechat/pacer.js'

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 })
})
afterEach(() => {
  vi.useRealTimers()
})

function recorder() {
  const sent: Array<{ label: string; at: number }> = []
  const send = (label: string) => () => {
    sent.push({ label, at: Date.now() })
    return Promise.resolve(label)
  }
  return { sent, send }
}

describe('Pacer', () => {
  it('sends in FIFO order, at least minIntervalMs apart, with jitter within [interval, interval * (1 + jitter)]', async () => {
    const randoms = [0, 0.5, 0.999, 0.25]
    let r = 0
    const pacer = new Pacer({ minIntervalMs: 1000, maxPerMinute: 100, queueMax: 10, jitter: 0.5, now: Date.now, random: () => randoms[r++ % randoms.length] })
    const { sent, send } = recorder()
    const results = ['a', 'b', 'c', 'd', 'e'].map((l) => pacer.schedule(send(l)))
    await vi.runAllTimersAsync()
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(sent.map((s) => s.label)).toEqual(['a', 'b', 'c', 'd', 'e'])
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at)
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1000)
      expect(gap).toBeLessThanOrEqual(1500)
    }
    // The jitter is really applied: not every gap is the bare interval.
    expect(new Set(gaps).size).toBeGreaterThan(1)
  })

  it('caps sends per rolling minute across all targets', async () => {
    const pacer = new Pacer({ minIntervalMs: 0, maxPerMinute: 3, queueMax: 10, now: Date.now })
    const { sent, send } = recorder()
    const all = Promise.all(['1', '2', '3', '4', '5'].map((l) => pacer.schedule(send(l))))
    await vi.advanceTimersByTimeAsync(59_999)
    expect(sent.map((s) => s.label)).toEqual(['1', '2', '3'])
    await vi.advanceTimersByTimeAsync(1)
    await all
    expect(sent.map((s) => s.label)).toEqual(['1', '2', '3', '4', '5'])
    expect(sent[3].at - sent[0].at).toBeGreaterThanOrEqual(60_000)
  })

  it('refuses at once with QueueFullError ("slow down") past queueMax, and loses none of the queued sends', async () => {
    const pacer = new Pacer({ minIntervalMs: 1000, maxPerMinute: 100, queueMax: 2, jitter: 0, now: Date.now })
    const { sent, send } = recorder()
    const accepted = [pacer.schedule(send('running')), pacer.schedule(send('q1')), pacer.schedule(send('q2'))]
    const refused = pacer.schedule(send('overflow'))
    await expect(refused).rejects.toBeInstanceOf(QueueFullError)
    await expect(refused).rejects.toThrow(/slow down/)
    await vi.runAllTimersAsync()
    expect(await Promise.all(accepted)).toEqual(['running', 'q1', 'q2'])
    expect(sent.map((s) => s.label)).toEqual(['running', 'q1', 'q2'])
    // Once drained, the queue takes sends again.
    const later = pacer.schedule(send('later'))
    await vi.runAllTimersAsync()
    await expect(later).resolves.toBe('later')
  })

  it('reports a failed send to its caller and keeps serving the queue', async () => {
    const pacer = new Pacer({ minIntervalMs: 10, maxPerMinute: 100, queueMax: 5, jitter: 0, now: Date.now })
    const failing = pacer.schedule(() => Promise.reject(new Error('WeChat said no')))
    const next = pacer.schedule(() => Promise.resolve('ok'))
    const failed = expect(failing).rejects.toThrow('WeChat said no')
    await vi.runAllTimersAsync()
    await failed
    await expect(next).resolves.toBe('ok')
    expect(pacer.pending).toBe(0)
    await expect(pacer.idle()).resolves.toBeUndefined()
  })
})

describe('Pacer jitter', () => {
  it('draws the gap once per send, so the spacing follows the random draw instead of drifting to the maximum', async () => {
    const randoms = [0, 0.5, 0.999, 0.25]
    let r = 0
    const pacer = new Pacer({ minIntervalMs: 1000, maxPerMinute: 100, queueMax: 10, jitter: 0.5, now: Date.now, random: () => randoms[r++] ?? 0 })
    const { sent, send } = recorder()
    const all = Promise.all(['a', 'b', 'c', 'd', 'e'].map((l) => pacer.schedule(send(l))))
    await vi.runAllTimersAsync()
    await all
    expect(sent.slice(1).map((s, i) => s.at - sent[i].at)).toEqual([1000, 1250, 1500, 1125])
  })

  it('a logout drops only the queued sends of that road, each with the reason; a shutdown drops them all', async () => {
    const pacer = new Pacer({ minIntervalMs: 60_000, maxPerMinute: 100, queueMax: 10, jitter: 0 })
    const { sent, send } = recorder()
    const first = pacer.schedule(send('web now'), undefined, { road: 'web' })
    const webQueued = pacer.schedule(send('web later'), undefined, { road: 'web' })
    const ilinkQueued = pacer.schedule(send('ilink later'), undefined, { road: 'ilink' })
    expect(await first).toBe('web now')
    expect(pacer.abandonQueued('logout', 'web')).toBe(1)
    await expect(webQueued).rejects.toMatchObject({ reason: 'logout', message: expect.stringMatching(/^WeChat logged out while this message waited/) })
    expect(pacer.waiting).toBe(1)
    expect(pacer.abandonQueued('shutdown')).toBe(1)
    const stopped = await ilinkQueued.catch((err: unknown) => err)
    expect(stopped).toBeInstanceOf(SendAbandonedError)
    expect(stopped).toMatchObject({ reason: 'shutdown', message: expect.stringMatching(/^the server is stopping/) })
    await vi.runAllTimersAsync()
    expect(sent.map((s) => s.label)).toEqual(['web now'])
  })

  it('a check at the turn: its time never shortens the next gap, and a failed one spends no turn', async () => {
    const pacer = new Pacer({ minIntervalMs: 1000, maxPerMinute: 100, queueMax: 10, jitter: 0, now: Date.now })
    const { sent, send } = recorder()
    const slowCheck = () => new Promise<void>((resolve) => setTimeout(resolve, 400))
    const refuse = () => Promise.reject(new Error('audit log not writable'))
    const a = pacer.schedule(send('a'), undefined, { check: slowCheck })
    const b = pacer.schedule(send('b'))
    const c = pacer.schedule(send('c'), undefined, { check: refuse })
    const d = pacer.schedule(send('d'))
    const refused = c.catch((err: Error) => err.message)
    await vi.runAllTimersAsync()
    await Promise.all([a, b, d])
    expect(await refused).toBe('audit log not writable')
    const started = 1_000_000
    expect(sent).toEqual([
      { label: 'a', at: started + 400 },
      { label: 'b', at: started + 1400 },
      { label: 'd', at: started + 2400 },
    ])
  })
})
