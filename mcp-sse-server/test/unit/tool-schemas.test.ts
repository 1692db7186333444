/**
 * What the model sees, as a reviewable snapshot ("toolsnaps"), and the annotation rules every tool must follow.
 * Update the snapshot deliberately with `npx vitest run -u test/unit/tool-schemas.test.ts`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { createServer } from '../../src/mcp/server.js'
import type { ToolDeps } from '../../src/tools/lib/define.js'
import { tools } from '../../src/tools/index.js'

function configWith(env: Record<string, string>): Config {
  const r = loadConfig(env, { dotenv: false })
  if (!r.ok) throw new Error(r.errors.join('\n'))
  return r.config
}

async function listTools(env: Record<string, string> = {}): Promise<Tool[]> {
  // Listing never calls a handler, so the tools' runtime dependencies are not needed here.
  const deps = { config: configWith(env), logger: createLogger({ level: 'silent', secrets: [] }) } as unknown as ToolDeps
  const server = createServer(deps)
  const [a, b] = InMemoryTransport.createLinkedPair()
  const client = new Client({ name: 'snapshot', version: '1' })
  await Promise.all([server.connect(a), client.connect(b)])
  const { tools: listed } = await client.listTools()
  await client.close()
  return listed
}

describe('tool schemas', () => {
  it('match the reviewed snapshot', async () => {
    const listed = await listTools()
    for (const tool of listed) expect(tool).toMatchSnapshot(tool.name)
    expect(listed.map((t) => t.name)).toMatchSnapshot('tool names')
  })

  it('follow the annotation rules', async () => {
    for (const tool of await listTools()) {
      expect(tool.title, tool.name).toBeTruthy()
      expect(tool.description!.length, tool.name).toBeGreaterThan(60)
      expect(typeof tool.annotations?.readOnlyHint, tool.name).toBe('boolean')
      expect(tool.outputSchema, tool.name).toBeDefined()
      if (tool.annotations?.readOnlyHint === false) {
        expect(tool.annotations, tool.name).toMatchObject({ destructiveHint: false, idempotentHint: false, openWorldHint: true })
      }
    }
  })

  it('each tool lives in a file named after it, listed once', () => {
    const names = tools.map((t) => t.name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('READ_ONLY hides every tool that sends', async () => {
    const all = await listTools()
    const readOnly = await listTools({ READ_ONLY: 'true' })
    expect(readOnly.map((t) => t.name)).toEqual(all.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name))
    expect(readOnly.some((t) => t.name.startsWith('send'))).toBe(false)
    expect(readOnly.map((t) => t.name)).toContain('findFriend')
    // The owner conversation: messaging the user is a send, waiting for their answer is not.
    expect(readOnly.map((t) => t.name)).not.toContain('sendMessageToMe')
    expect(readOnly.map((t) => t.name)).toContain('waitForMyReply')
  })

  it('WECHATY_PUPPET=none hides every tool that works through the web road, and only those', async () => {
    const all = await listTools()
    const none = await listTools({ WECHATY_PUPPET: 'none' })
    const webOnly = tools.filter((t) => t.road === 'web').map((t) => t.name)
    expect(webOnly).toEqual(expect.arrayContaining(['findFriend', 'findRoom', 'sendMessageToFriend', 'sendMessageToRoom']))
    expect(none.map((t) => t.name)).toEqual(all.map((t) => t.name).filter((n) => !webOnly.includes(n)))
  })
})
