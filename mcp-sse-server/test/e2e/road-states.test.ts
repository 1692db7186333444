/**
 * The web road's login state tells the truth everywhere (/health, getLoginStatus, the login page in a real browser):
 * a puppet that cannot start is `failed` with why and what to do; offline, the page says WeChat cannot be reached
 * (not "starting…") and login attempts back off; WECHATY_PUPPET=none runs without the web road and says so.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { artifactPath, launchChromium } from '../helpers/browser.js'
import { call, connect, text } from '../helpers/clients.js'
import { startServer, type RunningServer } from '../helpers/server.js'

const PUPPET_TOKEN = 'puppet_padlocal_0123456789abcdef-secret'
const WEB_TOOLS = ['findFriend', 'findRoom', 'sendMessageToFriend', 'sendMessageToRoom', 'sendFileToFriend', 'sendFileToRoom']

let browser: Browser
const started: RunningServer[] = []
beforeAll(async () => {
  browser = await launchChromium()
})
afterEach(async () => {
  for (const server of started.splice(0)) await server.stop()
})
afterAll(async () => {
  await browser?.close()
})

/** A server that may never log in; it is stopped when its test ends. */
async function serve(env: Record<string, string>): Promise<RunningServer> {
  const server = await startServer(env, { waitForLogin: false })
  started.push(server)
  return server
}

interface Health {
  wechat: { status: string; reason?: string; action?: string }
  ilink: { status: string }
}
const health = async (server: RunningServer) => (await (await fetch(`${server.url}/health`)).json()) as Health

describe('a puppet that cannot start (not installed)', () => {
  it('is failed, with the cause and what to do, in /health, getLoginStatus, every WeChat tool and the page', async () => {
    const server = await serve({ WECHATY_PUPPET: 'wechaty-puppet-padlocal', WECHATY_PUPPET_TOKEN: PUPPET_TOKEN })
    await server.waitForLog((l) => l.status === 'failed')

    const h = await health(server)
    expect(h.wechat).toMatchObject({ status: 'failed', reason: 'The puppet wechaty-puppet-padlocal could not be started: the package wechaty-puppet-padlocal is not installed.' })
    expect(h.wechat.action).toContain('npm install wechaty-puppet-padlocal')
    expect(h.ilink.status).toBe('off')

    const client = await connect(server.url, 'streamableHttp')
    const status = await call(client, 'getLoginStatus')
    expect(status.structuredContent).toMatchObject({ status: 'failed', reason: h.wechat.reason, action: h.wechat.action })
    expect(text(status)).toContain('not installed')
    const found = await call(client, 'findFriend', { nickname: 'Ann' })
    expect(found.isError).toBe(true)
    expect(text(found)).toMatch(/status: failed.*not installed.*npm install wechaty-puppet-padlocal/)
    await client.close()

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(`${server.url}/login`)
    await expect.poll(() => page.locator('#status').textContent()).toContain('Cannot log in: The puppet wechaty-puppet-padlocal could not be started')
    expect(await page.locator('#detail').textContent()).toContain('npm install wechaty-puppet-padlocal')
    expect(await page.locator('#qr').isHidden()).toBe(true)
    expect(await page.locator('body').textContent()).not.toContain('starting')
    await page.screenshot({ path: artifactPath('login-page-failed.png'), fullPage: true })
    // The terminal says the same, in words.
    expect(server.stderr()).toContain('WeChat (friends and groups): failed. The puppet wechaty-puppet-padlocal could not be started')
    const shown = (await page.content()) + JSON.stringify(h) + server.stdout() + server.stderr()
    expect(shown).not.toContain(PUPPET_TOKEN)
    await page.close()
  }, 90_000)
})

describe('a token gateway that will not take the token', () => {
  it('is failed with what to fix, and the token (which the gateway client quotes) appears nowhere', async () => {
    const token = 'no-prefix-gateway-token-0123456789-secret'
    const server = await serve({ WECHATY_PUPPET: 'wechaty-puppet-service', WECHATY_PUPPET_SERVICE_TOKEN: token, WECHATY_PUPPET_SERVICE_ENDPOINT: '127.0.0.1:9' })
    await server.waitForLog((l) => l.status === 'failed', 40_000)
    const h = await health(server)
    expect(h.wechat).toMatchObject({ status: 'failed', reason: expect.stringContaining('no provider prefix') })
    expect(h.wechat.action).toContain('WECHATY_PUPPET_SERVICE_TOKEN')
    expect(JSON.stringify(h) + server.stdout() + server.stderr()).not.toContain(token)
    // It was quoted, and scrubbed: the puppet's own error names the token.
    expect(server.stdout()).toContain('[REDACTED]')
  }, 90_000)
})

describe('offline (WeChat unreachable)', () => {
  it('the page says WeChat cannot be reached, not "starting…", and login attempts back off', async () => {
    // The default puppet (wechat4u); the test helper points its HTTP client at a closed port on 127.0.0.1.
    const server = await serve({ WECHATY_PUPPET: 'wechaty-puppet-wechat4u' })
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(`${server.url}/login`)
    await page.locator('#status', { hasText: 'WeChat cannot be reached from this server' }).waitFor({ timeout: 30_000 })
    expect(await page.locator('#status').textContent()).not.toContain('starting')
    await expect.poll(() => page.locator('#detail').textContent(), { timeout: 15_000 }).toMatch(/Check this machine's network connection.*Next attempt in \d+ s\./)
    await page.screenshot({ path: artifactPath('login-page-offline.png'), fullPage: true })
    await page.close()

    const h = await health(server)
    expect(h.wechat.status).toBe('starting')
    expect(h.wechat.reason).toMatch(/^WeChat cannot be reached from this server \(/)
    expect(server.stderr()).toContain('WeChat (friends and groups): starting. WeChat cannot be reached from this server')

    // Each failed attempt waits twice as long as the one before: never a tight loop against WeChat's login servers.
    await server.waitForLog((l) => l.msg === 'WeChat login retry scheduled' && l.delayMs === 4000, 30_000)
    const delays = server.logs().filter((l) => l.msg === 'WeChat login retry scheduled').map((l) => l.delayMs)
    expect(delays.slice(0, 2)).toEqual([2000, 4000])
  }, 90_000)
})

describe('WECHATY_PUPPET=none (no web road)', () => {
  it('lists no friend or group tool, and getLoginStatus, /health and the page say why', async () => {
    const server = await serve({ WECHATY_PUPPET: 'none' })
    const client = await connect(server.url, 'sse')
    const { tools } = await client.listTools()
    const names = tools.map((t) => t.name)
    for (const name of WEB_TOOLS) expect(names).not.toContain(name)
    expect(names).toEqual(expect.arrayContaining(['getLoginStatus', 'notify_send', 'notify_event']))

    const status = await call(client, 'getLoginStatus')
    expect(status.isError).toBeFalsy()
    expect(status.structuredContent).toMatchObject({ status: 'off', reason: expect.stringContaining('WECHATY_PUPPET=none') })
    expect(text(status)).toMatch(/web road \(friends and groups\) is off.*WECHATY_PUPPET=none/)
    await client.close()

    expect(server.stderr()).toContain('WeChat (friends and groups): off. WECHATY_PUPPET=none')
    expect((await health(server)).wechat).toMatchObject({ status: 'off', reason: expect.stringContaining('WECHATY_PUPPET=none') })
    const page = await browser.newPage()
    await page.goto(`${server.url}/login`)
    expect(await page.locator('#status').textContent()).toContain('WECHATY_PUPPET=none')
    await page.close()
    // No bot was built: nothing of a WeChat session is written.
    expect(existsSync(path.join(server.dataDir, 'wechat.memory-card.json'))).toBe(false)
    expect(server.logs().some((l) => l.msg === 'wechat login state')).toBe(false)
  }, 90_000)
})
