import { addressBook, QUERY } from '/work/wt-bench/mcp-sse-server/bench/lib/fixture.ts'
for (const n of [500, 5000, 20000, 50000]) {
  const text = addressBook(n).contacts.filter(c=>c.name!==QUERY).map((c) => [c.name, c.alias].filter(Boolean).join('\0') + '\0').join('').toLowerCase()
  for (const q of [QUERY, '月亮姐', 'zzzz', 'xq']) {
    for (let i = 0; i < 50; i++) text.indexOf(q)
    const t0 = performance.now(); for (let i = 0; i < 200; i++) text.indexOf(q); const t = (performance.now() - t0) / 200
    process.stdout.write(`${n} len=${text.length} q=${q} ${(t*1000).toFixed(1)}us; `)
  }
  console.log()
}
