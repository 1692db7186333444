/* global process */
// Loaded into server children by the bench only (`node --expose-gc --import <this file>`), never in production:
// on SIGUSR2, collect garbage twice and print the memory figures as one JSON line, so RSS readings before and after
// opening sessions compare retained memory, not whatever garbage the last burst of requests left behind.
// newSpace: the pages V8's young generation keeps committed. Empty after a full GC, sized by the process's recent
// allocation rate (up to 2 × 16 MB), and shrunk by some collections and not others: the bench subtracts it.
import { getHeapSpaceStatistics } from 'node:v8'

process.on('SIGUSR2', () => {
  globalThis.gc?.()
  globalThis.gc?.()
  const m = process.memoryUsage()
  const newSpace = getHeapSpaceStatistics()
    .filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space')
    .reduce((sum, s) => sum + s.physical_space_size, 0)
  process.stdout.write(`${JSON.stringify({ msg: 'bench gc', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, newSpace })}\n`)
})
