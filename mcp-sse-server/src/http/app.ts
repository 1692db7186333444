/**
 * The Express app: security checks first, then the open health endpoint, then the token-protected MCP routes.
 */
import express, { type ErrorRequestHandler, type Express } from 'express'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Notifier } from '../notify/types.js'
import type { OwnerConversation } from '../owner/owner-conversation.js'
import type { Roads } from '../roads/roads.js'
import type { RoadState } from '../roads/road.js'
import type { Sandbox } from '../roads/web/sandbox.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { VERSION } from '../version.js'
import { healthChecks, type HealthSources } from './health.js'
import { loginPage } from './login-page.js'
import { mcpRoutes } from './mcp-routes.js'
import { sandboxRoutes } from './sandbox-routes.js'
import { sandboxIlinkRoutes } from './sandbox-ilink-routes.js'
import type { IlinkSimulator } from '../roads/ilink/simulator.js'
import { sandboxLoginRoutes } from './sandbox-login-routes.js'
import { hostCheck, originCheck, requireToken } from './security.js'
import { SessionRegistry } from './sessions.js'
import { TokenGuard } from './token-guard.js'
import { oauthDiscovery } from './oauth-discovery.js'

export interface AppDeps {
  config: Config
  logger: Logger
  roads: Roads
  /** The conversation with the user themself: the sandbox simulates the user writing on its road. */
  owner?: Pick<OwnerConversation, 'road'>
  /** The sandbox's mock WeChat, once the web road built it (WECHATY_PUPPET=mock only). */
  sandbox?: () => Sandbox | undefined
  /** `name`: the short channel name the client asked for (X-Channel-Name header or ?name=). */
  newServer: (hints: { name?: string }) => McpServer
  /** A server-to-client stream of a session opened or closed (the channel's presence). */
  onServerStream?: (server: McpServer, open: boolean) => void
  /** What can make /health say "degraded" (the audit log, the saved login); none in tests that do not pass it. */
  health?: HealthSources
  /** Which notification channels are on and which half-configured, for /health (names only). */
  notifier?: Pick<Notifier, 'status'>
}

export interface App {
  app: Express
  sessions: SessionRegistry
}

const startedAt = Date.now()

export function createApp({ config, logger, roads, owner, sandbox = () => undefined, newServer, onServerStream, health, notifier }: AppDeps): App {
  const app = express()
  const sessions = new SessionRegistry(config.sessions, logger.child({ component: 'sessions' }))
  app.disable('x-powered-by')
  app.set('trust proxy', false)
  app.use(hostCheck(config), originCheck(config))

  // `status` is the server's; each road's login state says whether WeChat is reachable through it.
  app.get('/health', (_req, res) => {
    const { status, ...checks } = health ? healthChecks(health) : { status: 'ok' as const }
    res.json({
      status,
      version: VERSION,
      // A monitor pointed at the wrong instance must not mistake a mock WeChat for the real account.
      ...(config.sandbox ? { sandbox: true } : {}),
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      wechat: healthOf(roads.state('web')),
      ilink: healthOf(roads.state('ilink')),
      sessions: sessions.counts(),
      ...checks,
      ...(notifier ? { notify: notifier.status() } : {}),
    })
  })

  // One count of wrong tokens per client address, whichever door they were tried at.
  const guard = new TokenGuard(logger.child({ component: 'auth' }))
  app.use(oauthDiscovery(config))
  app.use(loginPage({ config, roads, guard }))
  app.use(sandboxLoginRoutes({ config, roads, guard }))
  app.use(sandboxIlinkRoutes({ config, roads, guard }))

  const auth = requireToken(config, guard)
  app.use(['/sse', '/messages', '/mcp'], auth, express.json({ limit: '4mb' }))
  app.use(
    mcpRoutes({
      sessions,
      newServer,
      logger,
      keepAliveMs: config.sessions.keepAliveMs,
      callLimits: { maxInFlight: config.sessions.maxCallsInFlight, maxQueued: config.sessions.maxCallsQueued },
      onServerStream,
    }),
  )
  const clawbot = () => (roads.road('ilink') as { simulator?: IlinkSimulator } | undefined)?.simulator
  app.use(sandboxRoutes({ config, roads, owner, ilink: clawbot, sandbox, guard }))

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such endpoint. MCP clients connect to /sse (legacy) or /mcp (Streamable HTTP).' })
  })
  app.use(errorHandler(logger))
  return { app, sessions }
}

/** No QR and no user id: /health is open to anyone who can reach the server. */
function healthOf({ status, reason, action, user }: RoadState) {
  return { status, ...(user ? { user: user.name } : {}), ...(reason ? { reason } : {}), ...(action ? { action } : {}) }
}

/** Body errors become JSON-RPC errors with the right status; nothing reaches the client as a stack trace. */
function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const status: number = typeof err?.status === 'number' ? err.status : 500
    const type: string | undefined = err?.type
    let code = -32603
    let message = 'Internal error'
    if (type === 'entity.parse.failed') [code, message] = [-32700, 'Parse error: the body is not valid JSON']
    else if (type === 'entity.too.large') [code, message] = [-32600, 'Request too large: bodies are limited to 4 MB']
    else if (status >= 400 && status < 500) [code, message] = [-32600, `Invalid request: ${String(err?.message ?? '').slice(0, 200)}`]
    else logger.error({ err: String(err?.stack ?? err) }, 'unexpected error in a request')
    if (res.headersSent) return
    res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null })
  }
}
