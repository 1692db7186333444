/**
 * Faults, in process so the test can reach the bot: the real WeChat (sandbox puppet), the real Express app and both
 * transports on 127.0.0.1. A puppet error storm keeps the server serving; a logout mid-session (the puppet's own
 * logout, and the "silent logout" wechat4u reports only as an error) leaves the sessions up and makes every WeChat
 * tool answer a clear "not logged in" error.
 *
 * Why in process: the running server has no way to log the sandbox out from outside yet (POST /sandbox/logout is being
 * added on another branch); driving `bot.logout()` and `puppet.emit('error')` here exercises the same handlers.
 */
import { once } from 'node:events'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createApp } from '../../src/http/app.js'
import type { SessionRegistry } from '../../src/http/sessions.js'
import { createLogger } from '../../src/logger.js'
import { createServer } from '../../src/mcp/server.js'
import type { Composition } from '../../src/compose.js'
import type { WebRoad } from '../../src/roads/web/web-road.js'
import { call, connect, text, TRANSPORTS } from '../helpers/clients.js'
import { FAST_SEND_ENV, tempDir } from '../helpers/server.js'
import { composeWeb, waitForState } from '../helpers/wechat.js'

const TOKEN = 'faults-test-token-0123456789'
let config: Config
let wechat: WebRoad
let parts: Composition
let http: Server
let sessions: SessionRegistry
let url: string
const logLines: Array<Record<string, unknown>> = []
const clients: Partial<Record<(typeof TRANSPORTS)[number], Client>> = {}


async function waitForIndex(): Promise<void> {
  while (parts.directory.contactCount === 0) await wechat.refresh()
}

beforeAll(async () => {
  const result = loadConfig({ ...FAST_SEND_ENV, WECHATY_PUPPET: 'mock', DATA_DIR: tempDir(), MCP_AUTH_TOKEN: TOKEN, PORT: '0' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  config = result.config
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l))
      done()
    },
  })
  const logger = createLogger({ level: 'info', secrets: config.secrets, destination })
  ;({ web: wechat, ...parts } = composeWeb(config, logger))
  parts.roads.loginPageUrl = 'http://127.0.0.1/login'
  const built = createApp({ config, logger, roads: parts.roads, newServer: () => createServer(parts) })
  sessions = built.sessions
  http = createHttpServer(built.app)
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const loggedIn = waitForState(wechat, 'logged_in')
  await wechat.start()
  await loggedIn
  await waitForIndex()
  for (const kind of TRANSPORTS) clients[kind] = await connect(url, kind, TOKEN)
})

afterAll(async () => {
  for (const c of Object.values(clients)) await c?.close()
  await sessions?.closeAll()
  http?.closeAllConnections()
  http?.close()
  await wechat?.stop().catch(() => undefined)
})

describe('puppet error storm', () => {
  it('5,000 puppet errors: logged once, and the server keeps answering /health and tool calls on both transports', async () => {
    const before = logLines.length
    const puppet = wechat.wechaty!.puppet
    for (let i = 0; i < 5_000; i++) puppet.emit('error', { data: `synccheck network error ECONNRESET #${i}` })
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
    for (const kind of TRANSPORTS) {
      const found = await call(clients[kind]!, 'findFriend', { nickname: '老张' })
      expect(found.isError).toBeFalsy()
    }
    const errorLines = logLines.slice(before).filter((l) => String(l.msg).includes('WeChat puppet error'))
    expect(errorLines).toHaveLength(1)
    expect(wechat.state.status).toBe('logged_in')
  })
})

describe('logged out mid-session', () => {
  it('after a silent logout (wechat4u "1101 == 0"), tools answer "not logged in", sessions stay up, the refusal is audited', async () => {
    const loggedOut = waitForState(wechat, 'logged_out')
    wechat.wechaty!.puppet.emit('error', { data: 'Error: 1101 == 0 (synccheck)' })
    await loggedOut
    const health = (await (await fetch(`${url}/health`)).json()) as { wechat: { status: string }; sessions: Record<string, number> }
    // After a logout the sandbox, like wechat4u, shows a fresh QR at once: either state means "not logged in".
    const notLoggedIn = expect.stringMatching(/^(logged_out|waiting_for_scan)$/)
    expect(health.wechat.status).toEqual(notLoggedIn)
    expect(health.sessions).toEqual({ sse: 1, streamableHttp: 1 })

    for (const kind of TRANSPORTS) {
      const client = clients[kind]!
      const status = await call(client, 'getLoginStatus')
      expect(status.structuredContent).toMatchObject({ status: notLoggedIn })
      const found = await call(client, 'findFriend', { nickname: '老张' })
      expect(found.isError).toBe(true)
      expect(text(found)).toMatch(/WeChat is not logged in \(status: (logged_out|waiting_for_scan)\).*scan the QR code/)
      const rooms = await call(client, 'findRoom', { topic: '家庭群' })
      expect(rooms.isError).toBe(true)
      const sent = await call(client, 'sendMessageToFriend', { nickname: '老张', message: `after logout over ${kind}` })
      expect(sent.isError).toBe(true)
      expect(sent.structuredContent).toMatchObject({ sent: false, error: 'not_logged_in' })
    }
    const { readFileSync } = await import('node:fs')
    const audit = readFileSync(parts.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(audit.filter((a) => a.ok === false && String(a.error).includes('not logged in'))).toHaveLength(2)
    expect(audit.some((a) => a.ok === true)).toBe(false)
  })

  it('after logging in again, the same sessions work; an explicit bot.logout() mid-session behaves the same', async () => {
    const loggedIn = waitForState(wechat, 'logged_in')
    wechat.sandbox!.login()
    await loggedIn
    await waitForIndex()
    for (const kind of TRANSPORTS) {
      const found = await call(clients[kind]!, 'findFriend', { nickname: '老张' })
      expect(found.isError).toBeFalsy()
    }
    const loggedOut = waitForState(wechat, 'logged_out')
    await wechat.logout()
    await loggedOut
    for (const kind of TRANSPORTS) {
      const found = await call(clients[kind]!, 'findFriend', { nickname: '老张' })
      expect(text(found)).toContain('not logged in')
    }
    expect(sessions.counts()).toEqual({ sse: 1, streamableHttp: 1 })
  })

  it('logged nothing secret and no unhandled rejection', () => {
    const all = JSON.stringify(logLines)
    expect(all).not.toContain(TOKEN)
    expect(all).not.toMatch(/unhandled promise rejection|uncaught exception/)
  })
})
