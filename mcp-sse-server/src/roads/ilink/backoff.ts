/**
 * Retry spacing for trouble reaching WeChat: doubling from `baseMs` up to `maxMs`, with some jitter so that many
 * servers cut off by the same outage do not come back in step. Never a tight loop against WeChat's servers.
 */
export class Backoff {
  private failures = 0

  constructor(
    private readonly baseMs = 1_000,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next attempt; each call counts one more failure. */
  next(): number {
    const plain = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30))
    this.failures++
    // ±20 %: the doubling still wins, so waits keep growing until the cap.
    return Math.round(Math.min(this.maxMs, plain * (0.8 + 0.4 * this.random())))
  }

  reset(): void {
    this.failures = 0
  }

  get failing(): boolean {
    return this.failures > 0
  }
}

/** Resolves after `ms`, or at once when the signal fires (the caller checks the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
