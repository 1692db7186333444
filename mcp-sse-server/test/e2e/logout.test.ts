/**
 * Logout in the sandbox: the state moves to logged_out, a new QR appears, exactly one notification reaches a
 * local channel server, and the sandbox logs in again by itself.
 */
import { startServer as startGotify } from '../notify/helpers.js'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { LogoutWatcher } from '../../src/wechat/logout-watcher.js'
import { httpNotifier, startChannelServer } from '../helpers/channel-server.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'
import { composeWeb, nextState } from '../helpers/wechat.js'

const FIXTURE = { self: { name: '我' }, loginDelayMs: 1500, contacts: [{ name: '张三' }] }
const TOKEN = 'logout-test-token-0123456789abcdef'

describe('sandbox logout, in process with the real bot lifecycle', () => {
  it('notifies once through the channel, shows a new QR and logs in again', async () => {
    const dataDir = tempDir()
    const result = loadConfig({ WECHATY_PUPPET: 'mock', DATA_DIR: dataDir, WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE, dataDir) }, { dotenv: false })
    if (!result.ok) throw new Error(result.errors.join('\n'))
    const logger = createLogger({ level: 'silent', secrets: [] })
    const channel = await startChannelServer()
    const { web: wechat, roads } = composeWeb(result.config, logger)
    roads.loginPageUrl = 'https://wechat.example.com/login'
    const watcher = new LogoutWatcher({ notifier: httpNotifier(channel.url), logger, loginPageUrl: () => roads.loginPageUrl, isPublicUrl: true }).watch(wechat)
    try {
      const firstLogin = nextState(wechat, (s) => s.status === 'logged_in')
      await wechat.start()
      await firstLogin
      const firstQr = wechat.state.status === 'logged_in' ? undefined : wechat.state.qr
      expect(firstQr).toBeUndefined()

      const loggedOut = nextState(wechat, (s) => s.status === 'logged_out')
      const newQr = nextState(wechat, (s) => s.status === 'waiting_for_scan' && Boolean(s.qr))
      const loggedInAgain = nextState(wechat, (s) => s.status === 'logged_in')
      await wechat.logout()
      await loggedOut
      const qrState = await newQr
      expect(qrState.qr).toMatch(/^https:\/\/login\.weixin\.qq\.com\/l\/sandbox-/)
      await loggedInAgain
      await watcher.pending
      expect(channel.received).toHaveLength(1)
      expect(JSON.parse(channel.received[0].body).content).toMatch(/^WeChat logged out; scan at https:\/\/wechat\.example\.com\/login/)
    } finally {
      await wechat.stop()
      await channel.close()
    }
    // Stopping the bot is reported by the puppet as a logout; it must not notify.
    await watcher.pending
    expect(channel.received).toHaveLength(1)
  })
})

interface View {
  status: string
  qr?: string
}

/** Reads the login page's event stream; `until` reads on until a state arriving from now on matches, and returns every state seen. */
async function loginEvents(url: string, headers: Record<string, string>) {
  const controller = new AbortController()
  const res = await fetch(url, { headers, signal: controller.signal })
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const seen: View[] = []
  let buffer = ''
  return {
    close: () => controller.abort(),
    async until(predicate: (v: View) => boolean): Promise<View[]> {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) throw new Error('event stream ended')
        buffer += value
        const blocks = buffer.split('\n\n')
        buffer = blocks.pop()!
        let matched = false
        for (const block of blocks) {
          const data = block.split('\n').find((l) => l.startsWith('data: '))
          if (!data) continue
          const view = JSON.parse(data.slice(6)) as View
          seen.push(view)
          matched ||= predicate(view)
        }
        if (matched) return [...seen]
      }
    },
  }
}

describe('POST /sandbox/logout on the running server', () => {
  let server: RunningServer
  afterAll(async () => {
    await server?.stop()
  })

  it('is behind the token, logs out, shows a new QR on the login page and logs in again', async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), MCP_AUTH_TOKEN: TOKEN, PUBLIC_URL: 'https://wechat.example.com' })
    const auth = { Authorization: `Bearer ${TOKEN}` }
    const before = await (await fetch(`${server.url}/login/state`, { headers: auth })).json()
    expect(before).toMatchObject({ status: 'logged_in', user: '我' })

    expect((await fetch(`${server.url}/sandbox/logout`, { method: 'POST' })).status).toBe(401)
    // What the login page sees, live.
    const page = await loginEvents(`${server.url}/login/events`, auth)
    await page.until((v) => v.status === 'logged_in')
    const res = await fetch(`${server.url}/sandbox/logout`, { method: 'POST', headers: auth })
    expect(res.status).toBe(202)

    await server.waitForLog((l) => l.status === 'logged_out')
    // No channel is configured in this server: the watcher says so instead of sending.
    const told = await server.waitForLog((l) => l.component === 'logout-watcher')
    expect(told.loginPageUrl).toBe('https://wechat.example.com/login')
    const seen = await page.until((v) => v.status === 'logged_in')
    page.close()
    expect(seen.map((v) => v.status)).toEqual(['logged_in', 'logged_out', 'waiting_for_scan', 'logged_in'])
    expect(seen[2].qr).toMatch(/^data:image\/svg\+xml;base64,/)
    expect(server.stdout() + server.stderr()).not.toContain(TOKEN)
  })
})

describe('logout notification from the running server', () => {
  it('exactly one notification through a real channel, even when the connection flaps', async () => {
    const channel = await startGotify({ json: { id: 1 } })
    const server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture({ ...FIXTURE, loginDelayMs: 300 }), GOTIFY_URL: channel.origin, GOTIFY_TOKEN: 'gotify-token-for-logout' })
    try {
      const logins = () => server.logs().filter((l) => l.status === 'logged_in').length
      // Two logouts in a row, each followed by a new QR and a new login: one notification, not two.
      for (let flap = 1; flap <= 2; flap++) {
        expect((await fetch(`${server.url}/sandbox/logout`, { method: 'POST' })).status).toBe(202)
        await server.waitForLog(() => logins() > flap)
      }
      expect(channel.requests).toHaveLength(1)
      const sent = channel.requests[0]
      expect(sent.form.get('message')).toContain(`WeChat logged out; scan at ${server.url}/login`)
      expect(server.logs().filter((l) => l.msg === 'WeChat logged out' || l.status === 'logged_out').length).toBeGreaterThanOrEqual(2)
    } finally {
      await server.stop()
      await channel.close()
    }
  })
})
