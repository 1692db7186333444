/**
 * The doors of the HTTP server: Host (DNS rebinding), Origin (browsers), CORS for allowed origins only, and the bearer
 * token. Each refuses before anything else runs; none of them echoes a secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { Config } from '../config.js'

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

/** With MCP_AUTH_TOKEN set, the request needs `Authorization: Bearer <token>`; a session id is never enough. */
export function requireToken(config: Config, alsoAccept?: (req: Request) => string | undefined): RequestHandler {
  const expected = config.authToken
  return (req: Request, res: Response, next: NextFunction) => {
    if (expected === undefined) return next()
    if (tokenMatches(bearerToken(req), expected) || tokenMatches(alsoAccept?.(req), expected)) return next()
    res.setHeader('WWW-Authenticate', 'Bearer realm="wechat-mcp"')
    jsonRpcError(
      res,
      401,
      req.headers.authorization
        ? 'Unauthorized: the bearer token is wrong.'
        : 'Unauthorized: send the MCP_AUTH_TOKEN as "Authorization: Bearer <token>".',
    )
  }
}
