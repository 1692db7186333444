/**
 * Claude Code's own CLI (the devDependency `@anthropic-ai/claude-code`, installed by `npm ci`) registers this server
 * the two ways users do, over HTTP and through `wechat-mcp stdio`, and `claude mcp list` shows both Connected. With
 * MCP_AUTH_TOKEN set, the header makes it connect, and leaving it out fails with the server's words about the header. HOME is a temp dir, so the user's own Claude settings are never read or touched.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOOPBACK_ONLY_ENV, MAIN, PACKAGE_DIR, startServer, tempDir, type RunningServer } from '../helpers/server.js'

/** CLAUDE_BIN points at another install (say, a newer CLI) without touching this one. */
const CLAUDE =
  process.env.CLAUDE_BIN ??
  [path.join(PACKAGE_DIR, '..', 'node_modules/.bin/claude'), path.join(PACKAGE_DIR, 'node_modules/.bin/claude')].find((p) => existsSync(p))

if (!CLAUDE) {
  console.warn('claude-cli.test.ts skipped: node_modules/.bin/claude is absent (run `npm ci` at the repo root to install @anthropic-ai/claude-code)')
}

interface Run {
  code: number | null
  out: string
}

/** One `claude` command with its own HOME, nothing but loopback reachable, and no updater or telemetry traffic. */
function claude(home: string, args: string[], timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      CLAUDE!,
      args,
      {
        cwd: home,
        timeout: timeoutMs,
        env: {
          PATH: process.env.PATH!,
          HOME: home,
          ...LOOPBACK_ONLY_ENV,
          DISABLE_AUTOUPDATER: '1',
          DISABLE_TELEMETRY: '1',
          DISABLE_ERROR_REPORTING: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    )
  })
}

/** The line `claude mcp list` prints for one server. */
function lineOf(list: string, name: string): string {
  return list.split('\n').find((l) => l.startsWith(`${name}:`)) ?? `(no line for ${name} in:\n${list})`
}

async function add(home: string, args: string[]): Promise<void> {
  const r = await claude(home, ['mcp', 'add', '--scope', 'user', ...args])
  expect(r.code, r.out).toBe(0)
}

function stdioEntry(): string[] {
  return ['--', process.execPath, MAIN, 'stdio', '--name', 'x']
}

describe.skipIf(!CLAUDE)('claude mcp list', { timeout: 240_000 }, () => {
  describe('without a token', () => {
    let server: RunningServer
    const home = tempDir('wechat-mcp-claude-home-')
    beforeAll(async () => {
      server = await startServer()
    })
    afterAll(async () => {
      await server?.stop()
    })

    it('shows the HTTP URL and the stdio entry Connected', async () => {
      await add(home, ['--transport', 'http', 'wechat-http', `${server.url}/mcp`])
      await add(home, ['wechat-stdio', '-e', `WECHAT_MCP_URL=${server.url}/mcp`, ...stdioEntry()])
      const list = await claude(home, ['mcp', 'list'])
      expect(lineOf(list.out, 'wechat-http')).toMatch(/✔ Connected/)
      expect(lineOf(list.out, 'wechat-stdio')).toMatch(/✔ Connected/)
    })
  })

  describe('with MCP_AUTH_TOKEN', () => {
    const token = 'claude-cli-test-token-0123456789abcdef'
    let server: RunningServer
    const home = tempDir('wechat-mcp-claude-home-')
    beforeAll(async () => {
      server = await startServer({ MCP_AUTH_TOKEN: token })
    })
    afterAll(async () => {
      await server?.stop()
    })

    it('connects with the header, and without it fails naming the header to send', async () => {
      await add(home, ['--transport', 'http', 'with-header', `${server.url}/mcp`, '--header', `Authorization: Bearer ${token}`])
      await add(home, ['--transport', 'http', 'no-header', `${server.url}/mcp`])
      await add(home, ['stdio-token', '-e', `WECHAT_MCP_URL=${server.url}/mcp`, '-e', `MCP_AUTH_TOKEN=${token}`, ...stdioEntry()])
      const list = await claude(home, ['mcp', 'list'])
      expect(lineOf(list.out, 'with-header')).toMatch(/✔ Connected/)
      expect(lineOf(list.out, 'stdio-token')).toMatch(/✔ Connected/)
      // Claude Code answers a 401 with OAuth discovery and then client registration at /register, and prints that
      // step's error: "Dynamic Client Registration rejected (HTTP 403): …". The server's /register refusal says what
      // to configure instead, so the line the user reads names the header (see docs/clients.md).
      const refused = lineOf(list.out, 'no-header')
      expect(refused).toMatch(/✘ Failed to connect/)
      expect(refused).toContain("This server does not use OAuth sign-in: it needs the header 'Authorization: Bearer <MCP_AUTH_TOKEN>'")
      expect(list.out).not.toContain(token)
    })
  })
})
