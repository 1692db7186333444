/**
 * The token for the login page. A browser cannot send an Authorization header from an address typed or tapped on a
 * phone, so `?token=` is accepted once: it becomes an HttpOnly, SameSite=Strict cookie scoped to /login and the
 * browser is sent (303) to the same address without it, so the token does not stay in the address bar, the history
 * or a proxy's access log beyond that one request. The Bearer header works too (scripts).
 *
 * The cookie does not hold the token itself but an HMAC of it: a stolen cookie opens the login page, not the MCP
 * routes, and changing MCP_AUTH_TOKEN invalidates every cookie.
 */
import { createHmac } from 'node:crypto'
import type { Request, RequestHandler, Response } from 'express'
import type { Config } from '../config.js'
import { bearerToken, clientAddress, refuseGuesses, tokenMatches } from './security.js'
import type { TokenGuard } from './token-guard.js'

export const LOGIN_COOKIE = 'wechat_mcp_login'
const COOKIE_MAX_AGE_S = 30 * 86_400

export function loginCookieValue(token: string): string {
  return createHmac('sha256', token).update('wechat-mcp login page cookie v1').digest('base64url')
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** The pages behind the cookie; a redirect goes to one of them and nowhere else. */
const LOGIN_PATHS = new Set(['/login', '/login/state', '/login/events'])

/**
 * Where the token → cookie redirect goes: the page asked for, without its `token` parameter, when it is one of the
 * login pages as written; otherwise /login. The path is never taken through URL normalisation: that turns
 * `/login/%2e%2e//evil.example/x` into `//evil.example/x`, which a browser reads as another host.
 */
function withoutToken(req: Request): string {
  const at = req.originalUrl.indexOf('?')
  const path = at < 0 ? req.originalUrl : req.originalUrl.slice(0, at)
  const query = new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1))
  query.delete('token')
  const search = query.toString()
  return (LOGIN_PATHS.has(path) ? path : '/login') + (search ? `?${search}` : '')
}

/**
 * `loginPageUrl` is read per request: the server learns its own address only once it listens. A wrong token, in the
 * address or the header, counts against the client's address in `guard`, as on the MCP routes.
 */
export function loginAuth(config: Config, loginPageUrl: () => string, guard?: TokenGuard): RequestHandler {
  const expected = config.authToken
  if (expected === undefined) return (_req, _res, next) => next()
  const cookieValue = loginCookieValue(expected)
  const secure = config.publicUrl?.startsWith('https:') ?? false
  return (req, res, next) => {
    const queryToken = typeof req.query.token === 'string' ? req.query.token : undefined
    if ((queryToken !== undefined || req.headers.authorization !== undefined) && guard) {
      const wait = guard.retryAfterS(clientAddress(req))
      if (wait > 0) return refuseGuesses(res, wait)
    }
    if (queryToken !== undefined) {
      if (!tokenMatches(queryToken, expected)) {
        guard?.failed(clientAddress(req))
        return unauthorized(res, loginPageUrl(), 'The token in the address is wrong.')
      }
      const attributes = ['HttpOnly', 'SameSite=Strict', 'Path=/login', `Max-Age=${COOKIE_MAX_AGE_S}`, ...(secure ? ['Secure'] : [])]
      res.setHeader('Set-Cookie', `${LOGIN_COOKIE}=${cookieValue}; ${attributes.join('; ')}`)
      res.setHeader('Cache-Control', 'no-store')
      res.redirect(303, withoutToken(req))
      return
    }
    if (tokenMatches(bearerToken(req), expected) || tokenMatches(readCookie(req, LOGIN_COOKIE), cookieValue)) return next()
    if (req.headers.authorization !== undefined) guard?.failed(clientAddress(req))
    unauthorized(res, loginPageUrl(), req.headers.authorization ? 'The bearer token is wrong.' : undefined)
  }
}

function unauthorized(res: Response, loginPageUrl: string, problem?: string): void {
  res.status(401).setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
  res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WeChat login — token needed</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em;word-break:break-all}</style></head>
<body><h1>Token needed</h1>
${problem ? `<p><strong>${problem}</strong></p>` : ''}
<p>This server is protected by <code>MCP_AUTH_TOKEN</code>. Open the login page once with the token in the address:</p>
<p><code>${escapeHtml(loginPageUrl)}?token=&lt;MCP_AUTH_TOKEN&gt;</code></p>
<p>The browser then keeps a cookie for this page (30 days) and the token is removed from the address.</p>
</body></html>`)
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
