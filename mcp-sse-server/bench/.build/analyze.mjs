import { readFileSync } from 'node:fs'
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const m = snap.snapshot.meta, F = m.node_fields, nf = F.length
const types = m.node_types[0], strings = snap.strings, nodes = snap.nodes
const iType = F.indexOf('type'), iName = F.indexOf('name'), iSize = F.indexOf('self_size')
const byType = new Map(), byName = new Map()
let total = 0
for (let i = 0; i < nodes.length; i += nf) {
  const t = types[nodes[i + iType]], n = strings[nodes[i + iName]], s = nodes[i + iSize]
  total += s
  byType.set(t, (byType.get(t) ?? 0) + s)
  const key = t + ':' + (t === 'string' || t === 'concatenated string' ? '' : String(n).slice(0, 60))
  byName.set(key, (byName.get(key) ?? 0) + s)
}
const mb = (x) => (x / 1048576).toFixed(2)
console.log('total', mb(total))
console.log([...byType].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${mb(v)}`).join('\n'))
console.log('---')
console.log([...byName].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${mb(v)} ${k}`).join('\n'))
