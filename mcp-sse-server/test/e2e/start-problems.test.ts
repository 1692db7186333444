/** What the operator is told at start: a port already taken, and settings that are probably mistakes. */
import { createServer } from 'node:net'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { runCli, startServer, tempDir, type RunningServer } from '../helpers/server.js'

let server: RunningServer | undefined
afterAll(async () => {
  await server?.stop()
})

it('a port already in use: exit 1, saying another instance is probably running', async () => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  const port = (holder.address() as { port: number }).port
  try {
    const run = await runCli(['serve'], { PORT: String(port), HOST: '127.0.0.1', WECHATY_PUPPET: 'mock', DATA_DIR: tempDir() }, 120_000)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`127.0.0.1:${port} is already in use: another wechat-mcp is probably running`)
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/)
  } finally {
    holder.close()
  }
}, 180_000)

it('warnings for a mistyped variable and a broken .env line are logged at start', async () => {
  const dataDir = tempDir()
  writeFileSync(path.join(dataDir, '.env'), 'PROT=9000\nLOG_LEVEL\n')
  server = await startServer({ DATA_DIR: dataDir }, { waitForLogin: false })
  const warnings = server.logs().filter((l) => l.component === 'config' && l.level === 40).map((l) => l.msg)
  expect(warnings).toEqual([expect.stringContaining('.env line 2 has no "="'), expect.stringContaining('did you mean PORT?')])
}, 180_000)

it('one readable block on stderr: address, transports, login page, roads, notification channels', async () => {
  const dataDir = tempDir()
  const started = await startServer({ DATA_DIR: dataDir, TG_BOT_TOKEN: '123456:abcdefghijklmnop' }, { waitForLogin: false })
  try {
    // stderr is its own pipe: the block may arrive after the log line that said the server listens.
    await expect.poll(() => started.stderr(), { timeout: started.waitMs(), interval: 50 }).toContain('notifications ')
    const block = started.stderr()
    expect(block).toContain(`wechat-mcp (SANDBOX: a mock WeChat, nothing reaches anyone) is listening on ${started.url}`)
    expect(block).toContain(`${started.url}/mcp (Streamable HTTP), ${started.url}/sse (legacy SSE)`)
    expect(block).toContain(`log in        ${started.url}/login`)
    expect(block).toMatch(/roads {9}\S.*: /)
    expect(block).toContain('notifications none configured (docs/channels.md)')
    expect(block).toContain('telegram is half-configured, off until you set TG_USER_ID')
    expect(block).not.toContain('abcdefghijklmnop')
  } finally {
    await started.stop()
  }
}, 180_000)
