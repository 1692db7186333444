/**
 * The login page in a real browser (headless Chromium): the QR shows, then the page switches to the logged-in
 * account by itself; with a token, the cookie flow leaves no token in the address and none in the server's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { artifactPath, launchChromium } from '../helpers/browser.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'
import { raw } from '../security/raw-http.js'

const TOKEN = 'login-page-test-token-0123456789abcdef'
// The QR stays up this long before the sandbox logs in: long enough for a loaded machine to open the page first.
const FIXTURE = { self: { name: '测试账号' }, loginDelayMs: 8000, contacts: [{ name: '张三' }] }

let browser: Browser
beforeAll(async () => {
  // Launched before any server, so the page is open while the sandbox still shows its QR.
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

/** CSP violations and script errors show up in the console; the page must have none. */
function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  return errors
}

describe('without a token', () => {
  let server: RunningServer
  afterAll(async () => {
    await server?.stop()
  })

  it('shows the QR, then the logged-in account, without a reload', async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE) }, { waitForLogin: false })
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }) // a phone
    const errors = collectConsoleErrors(page)
    await page.goto(`${server.url}/login`)
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true))

    const qr = page.locator('#qr')
    await qr.waitFor({ state: 'visible', timeout: 15_000 })
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/)
    const size = await qr.boundingBox()
    expect(size!.width).toBeGreaterThan(150)
    expect(size!.width).toBeLessThanOrEqual(390)
    await expect.poll(() => page.locator('#status').textContent()).toContain('Scan this QR code')
    await page.screenshot({ path: artifactPath('login-page-qr.png'), fullPage: true })

    await page.locator('#account', { hasText: '测试账号' }).waitFor({ timeout: server.waitMs() })
    expect(await page.locator('#status').textContent()).toBe('Logged in as')
    // The name once, in its own line, not again in the headline.
    expect((await page.locator('main').innerText()).split('测试账号').length - 1).toBe(1)
    // The sandbox says it is one.
    expect(await page.title()).toBe('WeChat login (sandbox)')
    expect(await page.locator('#sandbox').isVisible()).toBe(true)
    expect(await qr.isHidden()).toBe(true)
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true)
    await page.screenshot({ path: artifactPath('login-page-logged-in.png'), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('with MCP_AUTH_TOKEN', () => {
  let server: RunningServer
  beforeAll(async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture({ ...FIXTURE, loginDelayMs: 0 }), MCP_AUTH_TOKEN: TOKEN })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('refuses without the token, with a page that says how to open it and fits a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } })
    const response = await page.goto(`${server.url}/login`)
    expect(response!.status()).toBe(401)
    expect(await page.textContent('body')).toContain(`${server.url}/login?token=<MCP_AUTH_TOKEN>`)
    // Read on the phone that scans: nothing wider than the screen, so no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.screenshot({ path: artifactPath('login-token-needed-phone.png'), fullPage: true })
    const wrong = await page.goto(`${server.url}/login?token=not-the-token`)
    expect(wrong!.status()).toBe(401)
    expect(await page.textContent('body')).toContain('The token in the address is wrong.')
    await page.close()
  })

  it('takes ?token= once, sets a strict HttpOnly cookie and drops the token from the address', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors = collectConsoleErrors(page)
    const response = await page.goto(`${server.url}/login?token=${TOKEN}&lang=zh`)
    expect(response!.status()).toBe(200)
    expect(page.url()).toBe(`${server.url}/login?lang=zh`)
    expect(response!.request().redirectedFrom()!.url()).toContain('token=')
    const [cookie] = await context.cookies()
    expect(cookie).toMatchObject({ name: 'wechat_mcp_login', httpOnly: true, sameSite: 'Strict', path: '/login', secure: false })
    expect(cookie.value).not.toContain(TOKEN)
    await page.locator('#account', { hasText: '测试账号' }).waitFor()

    // The cookie keeps working: a plain visit, and the live updates behind it.
    expect((await page.goto(`${server.url}/login`))!.status()).toBe(200)
    await expect.poll(() => page.locator('#status').textContent()).toBe('Logged in as')
    await page.screenshot({ path: artifactPath('login-page-token.png') })
    expect(errors).toEqual([])
    await context.close()

    const output = server.stdout() + server.stderr()
    expect(output).not.toContain(TOKEN)
    expect(output).not.toContain(encodeURIComponent(TOKEN))
  })

  // A browser normalises dot segments itself before asking, so these come from clients that send the path as written
  // (a proxy, curl --path-as-is, a crafted link through a redirector): what matters is the Location they get back.
  it('the token redirect only ever goes to a login page of this server, whatever path carried the token', async () => {
    const tricks = [
      '/login/%2e%2e//evil.example/x',
      '/login/%2E%2E//evil.example/x',
      '/login/..//evil.example/x',
      '/login/.%2e//evil.example',
      '/login/%2e%2e/%2e%2e//evil.example',
      '/login/%2e%2e/%5cevil.example',
      '/login/%2e%2e/%09/evil.example',
      '/login//evil.example',
      '/login/..%2f..%2f/evil.example',
      '/login/state/../../%2fevil.example',
      '/login/https:%2f%2fevil.example',
    ]
    for (const path of tricks) {
      const res = await raw(server.port, { path: `${path}?token=${TOKEN}` })
      expect(res.status, path).toBe(303)
      const location = String(res.headers.location)
      expect(location, path).toMatch(/^\/login(\?|$)/)
      expect(new URL(location, server.url).origin, path).toBe(server.url)
      expect(location).not.toContain(TOKEN)
    }
    // The pages themselves keep their own address, and other parameters survive.
    for (const path of ['/login', '/login/state', '/login/events']) {
      const res = await raw(server.port, { path: `${path}?a=1&token=${TOKEN}` })
      expect(res.headers.location, path).toBe(`${path}?a=1`)
    }
  })

  it('accepts the bearer header (scripts) and nothing else', async () => {
    const ok = await fetch(`${server.url}/login/state`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ status: 'logged_in', user: '测试账号' })
    const bad = await fetch(`${server.url}/login/state`, { headers: { Cookie: `wechat_mcp_login=${TOKEN}` } })
    expect(bad.status).toBe(401)
    expect((await fetch(`${server.url}/login/events`)).status).toBe(401)
  })
})
