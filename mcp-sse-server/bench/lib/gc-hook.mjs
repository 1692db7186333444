/* global process */
// Loaded into server children by the bench only (`node --expose-gc --import <this file>`), never in production:
// on SIGUSR2, collect garbage twice and print the memory figures as one JSON line, so RSS readings before and after
// opening sessions compare retained memory, not whatever garbage the last burst of requests left behind.
process.on('SIGUSR2', () => {
  globalThis.gc?.()
  globalThis.gc?.()
  const m = process.memoryUsage()
  process.stdout.write(`${JSON.stringify({ msg: 'bench gc', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`)
})
