/**
 * Long work in small slices, so it never holds the event loop: every MCP client shares it. Re-reading a 50,000-contact
 * address book in one go stalled every client for half a second to more than a second (Wechaty's findAll() resolves
 * every contact in one unbroken run of promise callbacks); in slices of a few milliseconds, with the loop free between
 * them, other clients' calls are answered meanwhile and only the re-read itself takes longer.
 */
import { performance } from 'node:perf_hooks'

/** Longest stretch of work between two turns of the event loop. */
export const SLICE_MS = 8

/** Lets the event loop run: pending I/O (other clients' requests) is handled before this resolves. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Time-sliced: `due()` says whether the current slice is spent; `next()` yields and starts a new one. Concurrent workers
 * share one slice and one yield: if each yielded on its own, each would get a whole slice of its own in the same turn
 * of the loop (17 workers, 17 slices back to back), which is the stall this is meant to avoid.
 */
class Slicer {
  private started = performance.now()
  private turn?: Promise<void>
  constructor(private readonly sliceMs: number) {}
  due(): boolean {
    return performance.now() - this.started >= this.sliceMs
  }
  next(): Promise<void> {
    this.turn ??= yieldToEventLoop().then(() => {
      this.turn = undefined
      this.started = performance.now()
    })
    return this.turn
  }
}

/** Calls `fn` on every item, yielding to the event loop whenever a slice of work is spent. */
export async function forEachYielding<T>(items: Iterable<T>, fn: (item: T) => void, sliceMs = SLICE_MS): Promise<void> {
  const slicer = new Slicer(sliceMs)
  let i = 0
  for (const item of items) {
    fn(item)
    // Reading the clock costs more than a cheap fn: look at it every 64 items.
    if ((++i & 63) === 0 && slicer.due()) await slicer.next()
  }
}

/**
 * Maps items through an async `fn`, `concurrency` at a time (a puppet that fetches each contact from a server must not
 * get 50,000 requests at once; Wechaty's own findAll uses 17), yielding whenever a slice of work is spent. Items whose
 * `fn` fails or gives undefined are left out, as findAll leaves out contacts it cannot load; `failed` counts them.
 */
export async function mapYielding<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R | undefined>,
  options: { concurrency?: number; sliceMs?: number } = {},
): Promise<{ results: R[]; failed: number }> {
  const slicer = new Slicer(options.sliceMs ?? SLICE_MS)
  const out: Array<R | undefined> = new Array(items.length)
  let next = 0
  let failed = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      try {
        out[i] = await fn(items[i])
      } catch {
        out[i] = undefined
      }
      if (out[i] === undefined) failed++
      if (slicer.due()) await slicer.next()
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 17, items.length) }, worker))
  return { results: out.filter((r): r is R => r !== undefined), failed }
}
