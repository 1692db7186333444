import { readFileSync } from 'node:fs'
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const m = snap.snapshot.meta, F = m.node_fields, nf = F.length
const types = m.node_types[0], strings = snap.strings, nodes = snap.nodes
const iType = F.indexOf('type'), iName = F.indexOf('name'), iSize = F.indexOf('self_size')
const big = []
let n100 = 0, tot = 0
for (let i = 0; i < nodes.length; i += nf) {
  const t = types[nodes[i + iType]]
  if (t !== 'string') continue
  const s = nodes[i + iSize]; tot += s
  if (s > 100000) big.push([s, String(strings[nodes[i + iName]]).slice(0, 150).replace(/\n/g, ' ')])
  else n100 += s
}
big.sort((a, b) => b[0] - a[0])
console.log('strings total', (tot/1048576).toFixed(2), 'small(<100KB) total', (n100/1048576).toFixed(2), 'big count', big.length)
for (const [s, t] of big.slice(0, 25)) console.log((s/1048576).toFixed(2), t)
