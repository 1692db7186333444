/**
 * One outbound queue for every WeChat send (tools and notifications): a minimum spacing with random jitter and a
 * per-minute cap across all targets, so an agent in a loop cannot trip WeChat's risk control. The queue is
 * bounded: past it, a send is refused at once ("slow down") instead of piling up.
 */
export class QueueFullError extends Error {
  constructor(readonly queueMax: number) {
    super(`the outbound queue is full (${queueMax} sends waiting); slow down and try again in a minute`)
  }
}

/** Why a queued send was dropped before its turn: the caller gave up, WeChat logged out, or the server is stopping. */
export type AbandonReason = 'caller' | 'logout' | 'shutdown'

const ABANDONED: Record<AbandonReason, string> = {
  caller: 'the request was cancelled or timed out while waiting for its turn in the outbound queue',
  logout: 'WeChat logged out while this message waited for its turn in the outbound queue; it did not go out',
  shutdown: 'the server is stopping, and this message was still waiting for its turn in the outbound queue; it did not go out. Send it again once the server is back',
}

/** A queued send dropped before its turn came: it never went out. */
export class SendAbandonedError extends Error {
  constructor(readonly reason: AbandonReason = 'caller') {
    super(ABANDONED[reason])
  }
}

export interface PacerOptions {
  minIntervalMs: number
  maxPerMinute: number
  queueMax: number
  /** Extra random delay, as a fraction of minIntervalMs, so sends don't tick like a machine. */
  jitter?: number
  now?: () => number
  random?: () => number
  /** Told when a send has to wait for its turn (for the log: why did this message take a while?). */
  onQueued?: (waiting: number) => void
}

export interface ScheduleOptions {
  /** The road the send goes out on, so a logout drops only that road's sends. */
  road?: string
  /**
   * Runs when the turn comes, before the send is stamped and counted: a check that throws ends the send (rejecting
   * with its error) without spending a turn, and the time a check takes never shortens the gap before the next send.
   */
  check?: () => Promise<void>
}

interface Job {
  road?: string
  check?: () => Promise<void>
  run: () => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

export class Pacer {
  private readonly queue: Job[] = []
  private readonly sentAt: number[] = []
  private lastSendAt = -Infinity
  /** The gap owed after the last send, drawn once per send: re-drawing on every wake-up would drift to the maximum. */
  private spacing = 0
  private running = false
  private timer?: NodeJS.Timeout
  private idleWaiters: Array<() => void> = []

  constructor(private readonly options: PacerOptions) {}

  /** Sends waiting or in progress. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0)
  }

  get queueMax(): number {
    return this.options.queueMax
  }

  /** Sends waiting for their turn (not counting the one in progress). */
  get waiting(): number {
    return this.queue.length
  }

  /** No room for another send: a new one would be refused at once. */
  get full(): boolean {
    return this.queue.length >= this.options.queueMax
  }

  /**
   * Runs `send` when its turn comes; rejects with QueueFullError at once when the queue is full. When `signal`
   * aborts before the turn came, the send is dropped from the queue (SendAbandonedError): a caller that stopped
   * waiting must not have its message go out later behind its back. Once started, a send runs to its end.
   */
  schedule<T>(send: () => Promise<T>, signal?: AbortSignal, { road, check }: ScheduleOptions = {}): Promise<T> {
    if (signal?.aborted) return Promise.reject(new SendAbandonedError())
    if (this.full) return Promise.reject(new QueueFullError(this.options.queueMax))
    return new Promise<T>((resolve, reject) => {
      const abandon = () => {
        const at = this.queue.indexOf(job)
        if (at < 0) return
        this.queue.splice(at, 1)
        reject(new SendAbandonedError())
        if (this.pending === 0) for (const done of this.idleWaiters.splice(0)) done()
      }
      const job: Job = {
        road,
        check:
          check &&
          (() => {
            // Past this point the send is under way: it is no longer taken back by the caller giving up.
            signal?.removeEventListener('abort', abandon)
            return check()
          }),
        run: () => {
          signal?.removeEventListener('abort', abandon)
          return send()
        },
        resolve: resolve as (v: unknown) => void,
        reject,
      }
      signal?.addEventListener('abort', abandon, { once: true })
      this.queue.push(job)
      this.pump()
      if (this.queue.includes(job)) this.options.onQueued?.(this.queue.length)
    })
  }

  /**
   * Drops every send still waiting (shutdown ran out of time for them, or WeChat logged out so none can go out):
   * each caller gets SendAbandonedError with the reason at once, so it is reported, and audited, as not sent. A
   * send already in progress finishes.
   */
  abandonQueued(reason: AbandonReason = 'shutdown', road?: string): number {
    const dropped = this.queue.filter((job) => road === undefined || job.road === road)
    for (const job of dropped) this.queue.splice(this.queue.indexOf(job), 1)
    for (const job of dropped) job.reject(new SendAbandonedError(reason))
    if (dropped.length && this.pending === 0) for (const done of this.idleWaiters.splice(0)) done()
    return dropped.length
  }

  /** Resolves when nothing is queued or running (graceful shutdown waits for in-flight sends). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private pump(): void {
    if (this.running || this.timer || this.queue.length === 0) return
    const wait = this.delayBeforeNext()
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.pump()
      }, wait)
      return
    }
    const job = this.queue.shift()!
    this.running = true
    const stampAndRun = () => {
      const now = this.now()
      this.lastSendAt = now
      this.spacing = this.drawSpacing()
      this.sentAt.push(now)
      return job.run()
    }
    ;(job.check ? job.check().then(stampAndRun) : stampAndRun())
      .then(job.resolve, job.reject)
      .finally(() => {
        this.running = false
        if (this.pending === 0) for (const done of this.idleWaiters.splice(0)) done()
        this.pump()
      })
  }

  private delayBeforeNext(): number {
    const now = this.now()
    const { maxPerMinute } = this.options
    while (this.sentAt.length && this.sentAt[0] <= now - 60_000) this.sentAt.shift()
    const bySpacing = this.lastSendAt + this.spacing - now
    const byRate = this.sentAt.length >= maxPerMinute ? this.sentAt[0] + 60_000 - now : 0
    return Math.max(0, Math.ceil(Math.max(bySpacing, byRate)))
  }

  private drawSpacing(): number {
    const { minIntervalMs, jitter = 0.5 } = this.options
    return minIntervalMs > 0 ? minIntervalMs * (1 + jitter * this.random()) : 0
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }

  private random(): number {
    return (this.options.random ?? Math.random)()
  }
}
