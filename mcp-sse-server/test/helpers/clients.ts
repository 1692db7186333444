/** MCP SDK clients over either transport, for end-to-end tests. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

export type TransportKind = 'sse' | 'streamableHttp'
export const TRANSPORTS: TransportKind[] = ['sse', 'streamableHttp']

export async function connect(baseUrl: string, kind: TransportKind, token?: string): Promise<Client> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {}
  const client = new Client({ name: 'wechat-mcp-test', version: '1.0.0' })
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL('/sse', baseUrl), {
          requestInit: { headers },
          eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
        })
      : new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers } })
  await client.connect(transport)
  return client
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')
}
