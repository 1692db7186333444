/** MCP SDK clients over either transport, for end-to-end tests. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, beforeAll } from 'vitest'
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js'

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

/** A client that has listed the tools, so the SDK validates every structuredContent against its outputSchema. */
export async function listingClient(url: string, kind: TransportKind = 'streamableHttp'): Promise<Client> {
  const client = await connect(url, kind)
  await client.listTools()
  return client
}

export type ElicitAnswer = (request: ElicitRequest['params']) => Promise<ElicitResult>

/** A client that declares elicitation; `answer.current` plays the person at the screen, and sees every question. */
export async function askingClient(url: string, kind: TransportKind, answer: { current: ElicitAnswer }): Promise<{ client: Client; questions: string[] }> {
  const client = new Client({ name: 'asking-client', version: '1.0.0' }, { capabilities: { elicitation: {} } })
  const questions: string[] = []
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    questions.push(request.params.message)
    return answer.current(request.params)
  })
  const transport = kind === 'sse' ? new SSEClientTransport(new URL('/sse', url)) : new StreamableHTTPClientTransport(new URL('/mcp', url))
  await client.connect(transport)
  await client.listTools()
  return { client, questions }
}

/** A result's structuredContent, for tests that read its fields. */
export function structured(result: CallToolResult): Record<string, any> {
  return result.structuredContent as Record<string, any>
}

/** What this account itself said in a chat (texts, and files as `[file name]`), as getRecentMessages reads it back. */
export async function ownMessages(client: Client, chat: Record<string, string>): Promise<string[]> {
  const r = await call(client, 'getRecentMessages', chat)
  return (structured(r).messages as Array<{ sender: { self: boolean }; text?: string; fileName?: string }>).filter((m) => m.sender.self).map((m) => m.text ?? `[file ${m.fileName}]`)
}

/** A client over `kind` for the tests of the enclosing describe: connected before them, closed after them. */
export function openClient(url: () => string, kind: TransportKind): { client: Client } {
  const conn = {} as { client: Client }
  beforeAll(async () => {
    conn.client = await connect(url(), kind)
  })
  afterAll(async () => {
    await conn.client?.close()
  })
  return conn
}
