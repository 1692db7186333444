/**
 * GET /login: the page a user opens (often on a phone) to log WeChat in: the current QR code, the state in words,
 * the account once logged in. It updates itself over server-sent events (/login/events) without a reload. Nothing
 * is loaded from elsewhere: the QR is an inline SVG data URL, script and style are inline under a nonce-based CSP.
 */
import { randomBytes } from 'node:crypto'
import { Router, type Response } from 'express'
import QRCode from 'qrcode'
import type { Config } from '../config.js'
import type { LoginState, WeChat } from '../wechat/wechat.js'
import { escapeHtml, loginAuth } from './login-auth.js'

export interface LoginView {
  status: LoginState['status']
  words: string
  user?: string
  scanned?: boolean
  since: string
  /** The QR code as an image (data URL), while one is to be scanned. */
  qr?: string
}

export interface LoginPageOptions {
  config: Config
  wechat: Pick<WeChat, 'state' | 'on' | 'loginPageUrl'>
  keepAliveMs?: number
  /** Event streams open at once (default 100). */
  maxStreams?: number
}

/** Open pages are few (one per phone or tab); the cap only stops a runaway client from piling up streams. */
const MAX_STREAMS = 100

function describe(state: LoginState): string {
  switch (state.status) {
    case 'starting':
      return 'WeChat is starting…'
    case 'waiting_for_scan':
      return state.scanned ? 'Scanned. Confirm the login on your phone.' : 'Scan this QR code with WeChat to log in.'
    case 'logged_in':
      return `Logged in as ${state.user?.name ?? 'unknown'}.`
    case 'logged_out':
      return 'Logged out. A new QR code appears here in a moment.'
  }
}

export function loginPage({ config, wechat, keepAliveMs = 15_000, maxStreams = MAX_STREAMS }: LoginPageOptions): Router {
  const router = Router()
  const qrImages = new Map<string, Promise<string>>()
  const qrImage = (value: string): Promise<string> => {
    let image = qrImages.get(value)
    if (!image) {
      image = QRCode.toString(value, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }).then(
        (svg) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      )
      // Each login has a new QR; only the latest is worth keeping.
      qrImages.clear()
      qrImages.set(value, image)
    }
    return image
  }
  const view = async (state: LoginState): Promise<LoginView> => ({
    status: state.status,
    words: describe(state),
    ...(state.user ? { user: state.user.name } : {}),
    ...(state.scanned ? { scanned: true } : {}),
    since: state.since,
    ...(state.qr && state.status === 'waiting_for_scan' ? { qr: await qrImage(state.qr) } : {}),
  })

  // One listener on the bot for all open pages, however many there are.
  const streams = new Set<Response>()
  /** Streams accepted but still drawing their first state: they count against the cap too. */
  let opening = 0
  wechat.on('state', (state) => {
    if (streams.size === 0) return
    void view(state).then((v) => {
      for (const res of streams) res.write(`event: state\ndata: ${JSON.stringify(v)}\n\n`)
    })
  })

  router.use('/login', loginAuth(config, () => wechat.loginPageUrl), (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    next()
  })

  router.get('/login', async (_req, res) => {
    const nonce = randomBytes(16).toString('base64')
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    res.setHeader('X-Frame-Options', 'DENY')
    res.type('html').send(renderPage(await view(wechat.state), nonce))
  })

  router.get('/login/state', async (_req, res) => {
    res.json(await view(wechat.state))
  })

  router.get('/login/events', async (_req, res) => {
    if (streams.size + opening >= maxStreams) {
      res.status(503).setHeader('Retry-After', '30').end()
      return
    }
    // Listening for the hang-up before anything is awaited: a client that leaves while the first state is drawn
    // must not leave a dead stream behind, counted against the cap until it locks everyone out.
    let gone = false
    res.once('close', () => {
      gone = true
      streams.delete(res)
    })
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' })
    opening++
    const first = await view(wechat.state).finally(() => opening--)
    if (gone || res.destroyed) return
    res.write(`retry: 3000\nevent: state\ndata: ${JSON.stringify(first)}\n\n`)
    streams.add(res)
    const keepAlive = setInterval(() => res.write(': keepalive\n\n'), keepAliveMs)
    keepAlive.unref()
    res.once('close', () => clearInterval(keepAlive)) // still open here: `gone` was checked in this same tick
  })

  return router
}

function renderPage(v: LoginView, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>WeChat login</title>
<style nonce="${nonce}">
body{font:17px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:1.5rem 1rem;text-align:center;color:#111;background:#f5f5f5}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 1rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 1rem}
#qr{width:min(80vw,300px);height:auto;image-rendering:pixelated;display:block;margin:0 auto 1rem}
#qr[hidden]{display:none}
body[data-status=logged_in] #status{color:#07a14a;font-weight:600}
body[data-status=logged_out] #status{color:#c62828;font-weight:600}
body[data-scanned] #qr{opacity:.35}
#account{font-size:1.2rem;font-weight:600;margin:.5rem 0}
small{color:#666;display:block;margin-top:1rem}
[hidden]{display:none!important}
</style></head>
<body data-status="${v.status}"${v.scanned ? ' data-scanned' : ''}>
<main>
<h1>WeChat login</h1>
<img id="qr" alt="QR code to scan with WeChat"${v.qr ? ` src="${v.qr}"` : ' hidden'}>
<p id="status" role="status" aria-live="polite">${escapeHtml(v.words)}</p>
<p id="account">${v.user ? escapeHtml(v.user) : ''}</p>
<small id="hint"${v.status === 'waiting_for_scan' ? '' : ' hidden'}>On the phone that runs WeChat? Take a screenshot, then in WeChat's scanner pick it from the album.</small>
<small id="conn"></small>
</main>
<script nonce="${nonce}">
(function () {
  var $ = function (id) { return document.getElementById(id) }
  function render(s) {
    document.body.setAttribute('data-status', s.status)
    if (s.scanned) document.body.setAttribute('data-scanned', '')
    else document.body.removeAttribute('data-scanned')
    var img = $('qr')
    if (s.qr) { if (img.getAttribute('src') !== s.qr) img.setAttribute('src', s.qr); img.hidden = false }
    else { img.hidden = true; img.removeAttribute('src') }
    $('status').textContent = s.words
    $('account').textContent = s.user || ''
    $('hint').hidden = s.status !== 'waiting_for_scan'
  }
  var events = new EventSource('/login/events')
  events.addEventListener('state', function (e) { render(JSON.parse(e.data)); $('conn').textContent = '' })
  events.onerror = function () {
    // CLOSED means the server refused the stream (a cookie that expired); otherwise the browser retries by itself.
    $('conn').textContent = events.readyState === 2 ? 'Updates stopped: reload this page.' : 'Connection to the server lost; reconnecting…'
  }
})()
</script>
</body></html>`
}
