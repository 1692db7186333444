/**
 * The doors of the HTTP server: Host (DNS rebinding), Origin (browsers), CORS for allowed origins only, and the bearer
 * token. Each refuses before anything else runs; none of them echoes a secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { Config } from '../config.js'
import type { TokenGuard } from './token-guard.js'

function jsonRpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null })
}

/** Host must be one of ALLOWED_HOSTS; an entry without a port allows that host name on any port. */
export function hostCheck(config: Config): RequestHandler {
  const allowed = new Set(config.allowedHosts.map((h) => h.toLowerCase()))
  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase()
    const hostname = host.replace(/:\d+$/, '')
    if (host && (allowed.has(host) || allowed.has(hostname))) return next()
    jsonRpcError(res, 403, `Forbidden: Host "${host.slice(0, 100)}" is not allowed. Add it to ALLOWED_HOSTS if this server is meant to be reached by that name.`)
  }
}

/** A request with an Origin header must come from ALLOWED_ORIGINS; allowed origins get CORS headers. */
export function originCheck(config: Config): RequestHandler {
  const allowed = new Set(config.allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')))
  return (req, res, next) => {
    const origin = req.headers.origin
    if (origin === undefined) return next()
    if (!allowed.has(origin.toLowerCase())) {
      jsonRpcError(res, 403, `Forbidden: Origin "${origin.slice(0, 100)}" is not allowed. Add it to ALLOWED_ORIGINS to let that web page use this server.`)
      return
    }
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Vary', 'Origin')
    res.setHeader('Access-Control-Expose-Headers', 'Mcp-Session-Id, WWW-Authenticate')
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Content-Type, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id',
      )
      res.setHeader('Access-Control-Max-Age', '600')
      res.status(204).end()
      return
    }
    next()
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** Constant-time comparison: the digests have equal length whatever was sent. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false
  return timingSafeEqual(digest(presented), digest(expected))
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization
  const match = header?.match(/^Bearer\s+(.+)$/i)
  return match?.[1].trim()
}

/**
 * What a client without the token is told, in the 401 body, the WWW-Authenticate header and the OAuth discovery
 * answers: clients that try OAuth first (Claude Code, mcp-remote) show one of these, so each says what to configure.
 */
export const NEEDS_BEARER =
  "This server does not use OAuth sign-in: it needs the header 'Authorization: Bearer <MCP_AUTH_TOKEN>', with the token set on the server as MCP_AUTH_TOKEN. Add that header to this client's configuration for the server (see docs/clients.md); if it already sends one, that token is not the server's."
export const WRONG_BEARER =
  "The bearer token is wrong: send the value of MCP_AUTH_TOKEN set on the server, as 'Authorization: Bearer <MCP_AUTH_TOKEN>'."

/** The client's address as the socket sees it (`trust proxy` is off: a proxy in front is one client). */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown'
}

/** 429 for an address that guessed wrong too often; the token it sent now was not looked at. */
export function refuseGuesses(res: Response, retryAfterS: number): void {
  res.setHeader('Retry-After', String(retryAfterS))
  jsonRpcError(
    res,
    429,
    `Too many wrong MCP_AUTH_TOKEN values from this address: try again in ${retryAfterS} s, with the token set on the server as MCP_AUTH_TOKEN.`,
  )
}

/**
 * With MCP_AUTH_TOKEN set, the request needs `Authorization: Bearer <token>`; a session id is never enough. A wrong
 * token counts against the client's address in `guard`.
 */
export function requireToken(config: Config, guard?: TokenGuard): RequestHandler {
  const expected = config.authToken
  return (req: Request, res: Response, next: NextFunction) => {
    if (expected === undefined) return next()
    const presented = req.headers.authorization
    if (presented !== undefined && guard) {
      const wait = guard.retryAfterS(clientAddress(req))
      if (wait > 0) return refuseGuesses(res, wait)
    }
    if (tokenMatches(bearerToken(req), expected)) return next()
    if (presented !== undefined) guard?.failed(clientAddress(req))
    // RFC 6750: a request without credentials gets no error code; a wrong token is invalid_token.
    res.setHeader(
      'WWW-Authenticate',
      presented === undefined
        ? `Bearer realm="wechat-mcp", error_description="${NEEDS_BEARER}"`
        : `Bearer realm="wechat-mcp", error="invalid_token", error_description="${WRONG_BEARER}"`,
    )
    jsonRpcError(res, 401, `Unauthorized: ${presented === undefined ? NEEDS_BEARER : WRONG_BEARER}`)
  }
}
