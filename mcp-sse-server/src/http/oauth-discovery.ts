/**
 * The OAuth paths MCP clients probe. Claude Code, mcp-remote and the SDK's OAuth client answer a 401 by looking for
 * OAuth: protected-resource and authorization-server metadata, then dynamic client registration at /register. This
 * server has no OAuth, only the fixed MCP_AUTH_TOKEN; a bare 404 on /register surfaced as "Dynamic Client
 * Registration rejected (HTTP 404)", which reads like a broken server. Discovery still answers 404 (no OAuth here, so
 * the clients stop looking), but with a body that says what to do; /register, /authorize and /token refuse with an
 * RFC 6749/7591 error whose description the clients print: send "Authorization: Bearer <MCP_AUTH_TOKEN>".
 */
import { Router, type Response } from 'express'
import type { Config } from '../config.js'
import { NEEDS_BEARER } from './security.js'

const NO_TOKEN_NEEDED = 'This server does not use OAuth sign-in and needs no token: connect to it without authentication.'

/** RFC 8414 / RFC 9728 / OpenID discovery documents, at the root or after a path (path-aware discovery). */
const DISCOVERY = /\/\.well-known\/(?:oauth-protected-resource|oauth-authorization-server|openid-configuration)(?:\/|$)/
const OAUTH_ENDPOINTS = new Set(['/register', '/authorize', '/token'])

export function oauthDiscovery(config: Config): Router {
  const router = Router()
  const description = config.authToken === undefined ? NO_TOKEN_NEEDED : NEEDS_BEARER
  const answer = (res: Response, status: number, error: string) => {
    res.setHeader('Cache-Control', 'no-store')
    res.status(status).json({ error, error_description: description })
  }
  router.use((req, res, next) => {
    if (DISCOVERY.test(req.path)) return answer(res, 404, 'invalid_request')
    // 403, not 404: a client that sees a 404 may take it for a wrong address and retry another transport.
    if (OAUTH_ENDPOINTS.has(req.path)) return answer(res, 403, 'access_denied')
    next()
  })
  return router
}
