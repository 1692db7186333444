import type { Logger } from '../logger.js'

/**
 * Offline, wechat4u emits the same error two or three times a second, forever. Log each distinct error once, then
 * one summary line per window with how often it recurred, instead of flooding the log.
 */
export class ErrorDigest {
  private readonly seen = new Map<string, number>()
  private timer?: NodeJS.Timeout

  constructor(
    private readonly log: Logger,
    private readonly windowMs = 60_000,
  ) {}

  report(message: string): void {
    const key = message.replace(/\d+/g, '#').slice(0, 200)
    const count = this.seen.get(key)
    if (count === undefined) {
      this.seen.set(key, 0)
      this.log.warn({ err: message }, 'WeChat puppet error (repeats of it are summarised once a minute)')
      this.arm()
      return
    }
    this.seen.set(key, count + 1)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.flush(), this.windowMs)
    this.timer.unref()
  }

  private flush(): void {
    for (const [key, count] of this.seen) {
      if (count > 0) this.log.warn({ err: key, repeats: count, windowS: this.windowMs / 1000 }, 'WeChat puppet error repeated')
      // Errors that stopped recurring are forgotten, so a later recurrence is logged in full again.
      if (count === 0) this.seen.delete(key)
      else this.seen.set(key, 0)
    }
    if (this.seen.size === 0) this.stop()
  }
}
