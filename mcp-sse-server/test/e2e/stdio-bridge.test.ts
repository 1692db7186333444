/**
 * `wechat-mcp stdio`: an SDK Client spawns the bridge as a stdio server, exactly as Claude Desktop or Codex would, and
 * reaches the running server through it: tool calls, server-to-client notifications (progress), the bearer token, a
 * server that is down at start and one that restarts mid-session. stdout must stay pure JSON-RPC throughout.
 */
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { LOOPBACK_ONLY_ENV, MAIN, startServer, tempDir, type RunningServer } from '../helpers/server.js'
import { inbound } from '../helpers/conversation.js'
import { text } from '../helpers/clients.js'

const ChannelEvent = z.object({ method: z.literal('notifications/claude/channel'), params: z.object({ content: z.string() }).passthrough() })
const Verdict = z.object({
  method: z.literal('notifications/claude/channel/permission'),
  params: z.object({ request_id: z.string(), behavior: z.string() }),
})
const running: RunningServer[] = []
const clients: Client[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)))
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer(env)
  running.push(s)
  return s
}

/** Spawns `wechat-mcp stdio` and connects an SDK client to it; every line it writes on stdout must parse as JSON-RPC. */
async function bridge(url: string, env: Record<string, string> = {}, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MAIN, 'stdio', ...args],
    cwd: tempDir(),
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...LOOPBACK_ONLY_ENV, WECHAT_MCP_URL: `${url}/mcp`, ...env },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d) => (stderr += d))
  const notStdout: Error[] = []
  const client = new Client({ name: 'stdio-test', version: '1.0.0' })
  client.onerror = (err) => notStdout.push(err)
  await client.connect(transport)
  clients.push(client)
  return { client, stderr: () => stderr, protocolErrors: notStdout }
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult

describe('wechat-mcp stdio', { timeout: 120_000 }, () => {
  it('relays tool calls and server notifications, and sends the token', async () => {
    const token = 'stdio-bridge-test-token-' + 'x'.repeat(20)
    const s = await server({ MCP_AUTH_TOKEN: token, WECHAT_WAIT_PROGRESS_S: '1' })
    const { client, protocolErrors } = await bridge(s.url, { MCP_AUTH_TOKEN: token }, ['--name', 'laptop'])

    const tools = await client.listTools()
    expect(tools.tools.map((t) => t.name)).toContain('sendMessageToFriend')

    const found = await call(client, 'findFriend', { nickname: '老张' })
    expect(found.isError).toBeFalsy()
    expect(text(found)).toContain('张三')

    // A long wait: progress notifications come back through the bridge, then the reply.
    const progress: number[] = []
    let progressed!: () => void
    const firstProgress = new Promise<void>((resolve) => (progressed = resolve))
    const waiting = client.callTool(
      { name: 'waitForReply', arguments: { nickname: '老张', timeoutSeconds: 60 } },
      undefined,
      {
        onprogress: (p) => {
          progress.push(p.progress)
          progressed()
        },
        timeout: 60_000,
      },
    )
    await firstProgress
    const posted = await inbound(s, { from: '张三', text: 'through the bridge' }, token)
    expect(posted.status).toBe(200)
    const reply = (await waiting) as CallToolResult
    expect(text(reply)).toContain('through the bridge')
    expect(progress.length).toBeGreaterThan(0)
    expect(protocolErrors).toEqual([])
  })

  it('relays channel events and a permission round trip, under the --name it was given', async () => {
    const s = await server({ CHANNEL_ENABLED: 'true' })
    const { client, protocolErrors } = await bridge(s.url, {}, ['--name', 'via-stdio'])
    expect(client.getServerCapabilities()?.experimental).toMatchObject({ 'claude/channel': {}, 'claude/channel/permission': {} })
    await s.waitForLog((l) => l.msg === 'channel session joined' && l.session === 'via-stdio')

    const event = new Promise<{ content: string }>((resolve) => client.setNotificationHandler(ChannelEvent, ({ params }) => resolve(params)))
    await inbound(s, { from: 'me', text: 'hello from the phone' })
    expect((await event).content).toBe('hello from the phone')

    const verdict = new Promise<unknown>((resolve) => client.setNotificationHandler(Verdict, ({ params }) => resolve(params)))
    const asked = s.waitForLog((l) => l.msg === 'channel permission asked' && l.session === 'via-stdio')
    await client.notification({
      method: 'notifications/claude/channel/permission_request',
      params: { request_id: 'zxcvb', tool_name: 'Edit', description: 'Edit README.md', input_preview: '{}' },
    })
    await asked
    await inbound(s, { from: 'me', text: 'no zxcvb' })
    expect(await verdict).toEqual({ request_id: 'zxcvb', behavior: 'deny' })
    expect(protocolErrors).toEqual([])
  })

  it('starts while the server is down, says so, and picks the server up when it comes', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const { client, stderr, protocolErrors } = await bridge(url)

    expect((await client.listTools()).tools).toEqual([])
    const refused = await client.callTool({ name: 'findFriend', arguments: { nickname: '老张' } }).catch((err: Error) => err)
    expect(refused).toBeInstanceOf(Error)
    expect(String(refused)).toMatch(/not reachable/)
    expect(stderr()).toMatch(/cannot reach the wechat-mcp server/)

    const listChanged = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()))
    await server({ PORT: String(port) })
    await listChanged
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('findFriend')
    expect(text(await call(client, 'findFriend', { nickname: '老张' }))).toContain('张三')
    expect(protocolErrors).toEqual([])
  })

  it('survives a server restart: calls while it is down get a clear error, then work again', async () => {
    const port = await freePort()
    const dataDir = tempDir()
    const first = await server({ PORT: String(port), DATA_DIR: dataDir })
    const { client, stderr } = await bridge(first.url)
    expect(text(await call(client, 'findFriend', { nickname: 'Bob' }))).toContain('Bob')

    await first.stop()
    const down = await client.callTool({ name: 'findFriend', arguments: { nickname: 'Bob' } }).catch((err: Error) => err)
    expect(String(down)).toMatch(/not reachable|was lost/)

    await server({ PORT: String(port), DATA_DIR: dataDir })
    // The bridge opens a new session with the client's own initialize; the client does not notice.
    expect(text(await call(client, 'findFriend', { nickname: 'Bob' }))).toContain('Bob')
    expect(stderr()).toMatch(/connected again|cannot reach/)
  })

  it('ends its server session when the client closes stdin', async () => {
    const s = await server()
    const { client } = await bridge(s.url)
    await client.listTools()
    const health = async () => ((await (await fetch(`${s.url}/health`)).json()) as { sessions: { streamableHttp: number } }).sessions.streamableHttp
    expect(await health()).toBe(1)
    await client.close()
    clients.length = 0
    for (let i = 0; i < 100 && (await health()) !== 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await health()).toBe(0)
  })
})
