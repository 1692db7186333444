/* global process */
// Loaded into server children by the bench only (`node --expose-gc --import <this file>`), never in production:
// on SIGUSR2, collect garbage twice and print the memory figures as one JSON line, so RSS readings before and after
// opening sessions compare retained memory, not whatever garbage the last burst of requests left behind.
// newSpace: the pages V8's young generation keeps committed. Empty after a full GC, sized by the process's recent
// allocation rate (up to 2 × 16 MB), and shrunk by some collections and not others: the bench subtracts it.
// It also reports the event loop's delay since the last report (the longest time the loop was held, and the 99th
// percentile), read before the forced GC and reset after it, so the GC itself is never counted.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

const loop = monitorEventLoopDelay({ resolution: 5 })
loop.enable()

process.on('SIGUSR2', () => {
  const loopMaxMs = loop.max / 1e6
  const loopP99Ms = loop.percentile(99) / 1e6
  globalThis.gc?.()
  globalThis.gc?.()
  const m = process.memoryUsage()
  const newSpace = getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((sum, s) => sum + s.physical_space_size, 0)
  process.stdout.write(`${JSON.stringify({ msg: 'bench gc', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, newSpace, loopMaxMs, loopP99Ms })}\n`)
  loop.reset()
})
