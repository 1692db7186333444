import { Directory } from '/work/wt-bench/mcp-sse-server/src/wechat/directory.ts'
import { addressBook, QUERY } from '/work/wt-bench/mcp-sse-server/bench/lib/fixture.ts'
for (const n of [500, 5000, 50000]) {
  const d = new Directory()
  d.replaceAll(addressBook(n).contacts.map((c) => ({ ...c, friend: true })), [])
  for (let i = 0; i < 200; i++) d.findFriends(QUERY, 20)
  const t0 = performance.now(); const N = 500
  for (let i = 0; i < N; i++) d.findFriends(QUERY, 20)
  const t1 = performance.now()
  for (let i = 0; i < N; i++) d.findFriends('王', 20)
  const t2 = performance.now()
  console.log(n, 'exact-only', ((t1 - t0) / N).toFixed(4), 'ms; common', ((t2 - t1) / N).toFixed(4), 'ms', d.findFriends(QUERY).exact.length, d.findFriends('王').partial.length)
}
