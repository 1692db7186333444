import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { createServer } from '/work/wt-bench/mcp-sse-server/src/mcp/server.ts'
const deps = { config: { readOnly: false }, wechat: {}, notifier: {}, logger: {} } as never
const gc = () => { (globalThis as any).gc(); (globalThis as any).gc() }
function measure(label: string, make: () => unknown, n = 1000) {
  const keep: unknown[] = []
  for (let i = 0; i < 50; i++) make()
  gc(); const before = process.memoryUsage().heapUsed
  for (let i = 0; i < n; i++) keep.push(make())
  gc(); const after = process.memoryUsage().heapUsed
  console.log(label, ((after - before) / n / 1024).toFixed(1), 'KB each', keep.length)
}
measure('bare McpServer + echo', () => { const s = new McpServer({ name: 'b', version: '1' }); s.registerTool('echo', { inputSchema: {} }, async () => ({ content: [] })); return s })
const shared = new AjvJsonSchemaValidator()
measure('bare McpServer shared ajv', () => { const s = new McpServer({ name: 'b', version: '1' }, { jsonSchemaValidator: shared }); s.registerTool('echo', { inputSchema: {} }, async () => ({ content: [] })); return s })
measure('ours createServer', () => createServer(deps))
measure('new AjvJsonSchemaValidator', () => new AjvJsonSchemaValidator())
