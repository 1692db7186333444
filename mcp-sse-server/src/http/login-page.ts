/**
 * GET /login: the page a user opens (often on a phone) to log WeChat in: for each road, the current QR code, the
 * state in words with why and what to do, the account once logged in. It updates itself over server-sent events
 * (/login/events) without a reload. Nothing is loaded from elsewhere: the QR is an inline SVG data URL, script and
 * style are inline under a nonce-based CSP.
 */
import { randomBytes } from 'node:crypto'
import { Router, type Response } from 'express'
import QRCode from 'qrcode'
import type { Config } from '../config.js'
import type { RoadId, RoadState, RoadStatus } from '../roads/road.js'
import type { Roads } from '../roads/roads.js'
import { escapeHtml, loginAuth } from './login-auth.js'
import type { TokenGuard } from './token-guard.js'

export interface RoadView {
  road: RoadId
  title: string
  status: RoadStatus
  /** The state in a sentence: the headline. */
  words: string
  /** Why, and what to do, when there is more to say than the headline. */
  detail?: string
  user?: string
  since: string
  /** The QR code as an image (data URL), while one is to be scanned. */
  qr?: string
}

/** The web road's view at the top level (what scripts read), and every road shown on the page. */
export interface LoginView extends RoadView {
  roads: RoadView[]
}

export interface LoginPageOptions {
  config: Config
  roads: Pick<Roads, 'list' | 'on' | 'loginPageUrl'>
  keepAliveMs?: number
  /** Event streams open at once (default 100). */
  maxStreams?: number
  /** Wrong tokens per client address, shared with the MCP routes. */
  guard?: TokenGuard
}

/** Open pages are few (one per phone or tab); the cap only stops a runaway client from piling up streams. */
const MAX_STREAMS = 100
/** `expired` with a QR: a road whose login went stale (ClawBot's token) shows the new QR at once. */
const SCANNABLE: ReadonlySet<RoadStatus> = new Set(['waiting_for_scan', 'scanned', 'expired'])

/** The headline for a state; a reason that says more than "starting" (WeChat cannot be reached) replaces it. */
function describe(state: RoadState): { words: string; usedReason: boolean } {
  switch (state.status) {
    case 'off':
      return { words: state.reason ?? 'Off.', usedReason: true }
    case 'starting':
      return state.reason ? { words: state.reason, usedReason: true } : { words: 'WeChat is starting…', usedReason: false }
    case 'waiting_for_scan':
      return { words: 'Scan this QR code with WeChat to log in.', usedReason: false }
    case 'scanned':
      return { words: 'Scanned. Confirm the login on your phone.', usedReason: false }
    case 'logged_in':
      // The account's name is shown right below, in its own line.
      return { words: state.user ? 'Logged in as' : 'Logged in.', usedReason: false }
    case 'logged_out':
      return { words: 'Logged out. A new QR code appears here in a moment.', usedReason: false }
    case 'expired':
      return state.qr
        ? { words: 'The login expired. Scan this new QR code with WeChat to log in again.', usedReason: false }
        : { words: 'The QR code expired. A new one appears here in a moment.', usedReason: false }
    case 'failed':
      return { words: `Cannot log in: ${state.reason ?? 'the road failed to start.'}`, usedReason: true }
  }
}

export function loginPage({ config, roads, guard, keepAliveMs = 15_000, maxStreams = MAX_STREAMS }: LoginPageOptions): Router {
  const router = Router()
  const qrImages = new Map<string, Promise<string>>()
  const qrImage = (value: string): Promise<string> => {
    let image = qrImages.get(value)
    if (!image) {
      image = QRCode.toString(value, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }).then(
        (svg) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      )
      // Each login has a new QR; only the latest few (one per road) are worth keeping.
      if (qrImages.size >= 4) qrImages.clear()
      qrImages.set(value, image)
    }
    return image
  }
  const roadView = async (road: RoadId, title: string, state: RoadState): Promise<RoadView> => {
    const { words, usedReason } = describe(state)
    const detail = [usedReason ? undefined : state.reason, state.action].filter(Boolean).join(' ')
    return {
      road,
      title,
      status: state.status,
      words,
      ...(detail ? { detail } : {}),
      ...(state.user ? { user: state.user.name } : {}),
      since: state.since,
      ...(state.qr && SCANNABLE.has(state.status) ? { qr: await qrImage(state.qr) } : {}),
    }
  }
  const view = async (): Promise<LoginView> => {
    // The web road always shows (when off, the page says why); other roads once this configuration runs them.
    const shown = roads.list().filter(({ id, state }) => id === 'web' || state.status !== 'off')
    const views = await Promise.all(shown.map(({ id, title, state }) => roadView(id, title, state)))
    const web = views.find((v) => v.road === 'web')!
    return { ...web, roads: views }
  }

  // One listener on the roads for all open pages, however many there are.
  const streams = new Set<Response>()
  /** Streams accepted but still drawing their first state: they count against the cap too. */
  let opening = 0
  roads.on('state', () => {
    if (streams.size === 0) return
    void view().then((v) => {
      for (const res of streams) res.write(`event: state\ndata: ${JSON.stringify(v)}\n\n`)
    })
  })

  router.use('/login', loginAuth(config, () => roads.loginPageUrl, guard), (_req, res, next) => {
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
    res.type('html').send(renderPage(await view(), nonce, config.sandbox))
  })

  router.get('/login/state', async (_req, res) => {
    res.json(await view())
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
    const first = await view().finally(() => opening--)
    if (gone || res.destroyed) return
    res.write(`retry: 3000\nevent: state\ndata: ${JSON.stringify(first)}\n\n`)
    streams.add(res)
    const keepAlive = setInterval(() => res.write(': keepalive\n\n'), keepAliveMs)
    keepAlive.unref()
    res.once('close', () => clearInterval(keepAlive)) // still open here: `gone` was checked in this same tick
  })

  return router
}

/** The web road's elements keep their plain ids (#qr, #status…); another road's are prefixed with its id. */
function prefixOf(road: RoadId): string {
  return road === 'web' ? '' : `${road}-`
}

function renderCard(v: RoadView, titled: boolean): string {
  const p = prefixOf(v.road)
  return `<section class="road" id="${p}road" data-road="${v.road}" data-status="${v.status}">
${titled ? `<h2>${escapeHtml(v.title)}</h2>` : ''}
<img id="${p}qr" class="qr" alt="QR code to scan with WeChat"${v.qr ? ` src="${v.qr}"` : ' hidden'}>
<p id="${p}status" class="status" role="status" aria-live="polite">${escapeHtml(v.words)}</p>
<p id="${p}detail" class="detail"${v.detail ? '' : ' hidden'}>${v.detail ? escapeHtml(v.detail) : ''}</p>
<p id="${p}account" class="account">${v.user ? escapeHtml(v.user) : ''}</p>
<small id="${p}hint"${v.status === 'waiting_for_scan' ? '' : ' hidden'}>On the phone that runs WeChat? Take a screenshot, then in WeChat's scanner pick it from the album.</small>
</section>`
}

/** The sandbox says so in the title, the heading and a line under it: its "account" is a mock with demo contacts. */
function renderPage(v: LoginView, nonce: string, sandbox: boolean): string {
  const titled = v.roads.length > 1
  const title = sandbox ? 'WeChat login (sandbox)' : 'WeChat login'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>
<style nonce="${nonce}">
body{font:17px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:1.5rem 1rem;text-align:center;color:#111;background:#f5f5f5}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:1.5rem 1rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1rem 0 .5rem}
.road+.road{border-top:1px solid #ddd;margin-top:1rem}
.qr{width:min(80vw,300px);height:auto;image-rendering:pixelated;display:block;margin:0 auto 1rem}
[data-status=logged_in] .status{color:#07a14a;font-weight:600}
[data-status=logged_out] .status,[data-status=failed] .status,[data-status=expired] .status{color:#c62828;font-weight:600}
[data-status=scanned] .qr{opacity:.35}
.detail{color:#444;font-size:.95rem}
.account{font-size:1.2rem;font-weight:600;margin:.5rem 0}
.sandbox{background:#fff3cd;color:#664d03;border-radius:8px;padding:.5rem;font-size:.95rem}
small{color:#666;display:block;margin-top:1rem}
[hidden]{display:none!important}
</style></head>
<body data-status="${v.status}">
<main>
<h1>${title}</h1>
${sandbox ? '<p id="sandbox" class="sandbox">Sandbox: a mock WeChat with a demo address book. Nothing sent here reaches anyone.</p>' : ''}
<div id="roads">
${v.roads.map((r) => renderCard(r, titled)).join('\n')}
</div>
<small id="conn"></small>
</main>
<script nonce="${nonce}">
(function () {
  var $ = function (id) { return document.getElementById(id) }
  function renderRoad(s) {
    var p = s.road === 'web' ? '' : s.road + '-'
    var card = $(p + 'road')
    if (!card) { location.reload(); return }
    card.setAttribute('data-status', s.status)
    var img = $(p + 'qr')
    if (s.qr) { if (img.getAttribute('src') !== s.qr) img.setAttribute('src', s.qr); img.hidden = false }
    else { img.hidden = true; img.removeAttribute('src') }
    $(p + 'status').textContent = s.words
    $(p + 'detail').textContent = s.detail || ''
    $(p + 'detail').hidden = !s.detail
    $(p + 'account').textContent = s.user || ''
    $(p + 'hint').hidden = s.status !== 'waiting_for_scan'
  }
  var events = new EventSource('/login/events')
  events.addEventListener('state', function (e) {
    var v = JSON.parse(e.data)
    document.body.setAttribute('data-status', v.status)
    v.roads.forEach(renderRoad)
    $('conn').textContent = ''
  })
  events.onerror = function () {
    // CLOSED means the server refused the stream (a cookie that expired); otherwise the browser retries by itself.
    $('conn').textContent = events.readyState === 2 ? 'Updates stopped: reload this page.' : 'Connection to the server lost; reconnecting…'
  }
})()
</script>
</body></html>`
}
