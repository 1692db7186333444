/**
 * The safety net under "every answer matches its own schema": a refusal whose structuredContent does not fit its
 * tool's output schema would be rejected (-32602) by a client that listed the tools, so registerTool answers it with
 * its text alone and logs the bug. Proven with the SDK's own client, and against the same handler registered raw.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import * as z from 'zod'
import { defineTool, failure, registerTool, type ToolDeps } from '../../src/tools/lib/define.js'

const misfit = defineTool({
  name: 'misfit',
  title: 'Misfit',
  description: 'Refuses with a structuredContent its schema does not allow.',
  inputSchema: {},
  outputSchema: { found: z.array(z.string()), error: z.enum(['not_found']).optional() },
  annotations: { readOnlyHint: true },
  async handler() {
    return failure('Nothing found; try another name.', { error: 'no_such_code' })
  },
})

async function connected(register: (server: McpServer) => void): Promise<Client> {
  const server = new McpServer({ name: 'test', version: '0.0.0' })
  register(server)
  const [a, b] = InMemoryTransport.createLinkedPair()
  await server.connect(a)
  const client = new Client({ name: 'test-client', version: '0.0.0' })
  await client.connect(b)
  await client.listTools()
  return client
}

describe('a refusal that does not fit its schema', () => {
  it('registered raw, a client that listed the tools rejects it with -32602', async () => {
    const client = await connected((server) =>
      server.registerTool(misfit.name, { description: misfit.description, outputSchema: misfit.outputSchema }, () => misfit.handler({}, {} as ToolDeps, {} as never)),
    )
    await expect(client.callTool({ name: 'misfit', arguments: {} })).rejects.toThrow(/-32602/)
  })

  it('through registerTool, the client shows its text, and the bug is logged', async () => {
    const lines: Array<Record<string, unknown>> = []
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
    const client = await connected((server) => registerTool(server, misfit as never, { logger } as unknown as ToolDeps))
    const result = await client.callTool({ name: 'misfit', arguments: {} })
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Nothing found; try another name.' }] })
    expect(result.structuredContent).toBeUndefined()
    expect(lines).toEqual([expect.objectContaining({ tool: 'misfit', msg: expect.stringMatching(/did not match its output schema/) })])
  })
})
