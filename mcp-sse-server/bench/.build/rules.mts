import { channels } from '/work/wt-bench/mcp-sse-server/src/notify/registry.ts'
for (const c of channels) console.log(c.id.padEnd(14), c.successRule, '|', c.variables.join(' '))
