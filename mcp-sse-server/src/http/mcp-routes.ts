/**
 * Both MCP transports on one Express router, as in the SDK's sseAndStreamableHttpCompatibleServer example:
 * legacy `GET /sse` + `POST /messages?sessionId=…`, and Streamable HTTP on `/mcp`. Every session gets its own McpServer.
 */
import { randomUUID } from 'node:crypto'
import { injectCancellation } from '../internals.js'
import { Router, type Request, type Response } from 'express'
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest, JSONRPCMessageSchema, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Logger } from '../logger.js'
import { CallGate, type CallLimits } from './call-gate.js'
import type { Session, SessionKind, SessionRegistry } from './sessions.js'

export interface McpRouteOptions {
  sessions: SessionRegistry
  /** `name`: the short channel name the client asked for (X-Channel-Name header or ?name=). */
  newServer: (hints: { name?: string }) => McpServer
  logger: Logger
  keepAliveMs: number
  callLimits: CallLimits
  /** A server-to-client stream (legacy SSE, or Streamable HTTP's GET) of a session opened or closed. */
  onServerStream?: (server: McpServer, open: boolean) => void
}

/** Tools whose calls mostly wait, outside the per-session call limit (see CallLimits.unlimited). */
const WAITING_TOOLS = new Set(['waitForReply', 'waitForMyReply'])

function isWaitingCall(request: JSONRPCRequest): boolean {
  // tasks/result holds the request open until the task (a long wait) ends.
  if (request.method === 'tasks/result') return true
  return request.method === 'tools/call' && WAITING_TOOLS.has(String((request.params as { name?: unknown } | undefined)?.name))
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  if (res.headersSent) return
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null })
}

/**
 * Proxies (nginx, cloud load balancers) cut a response that stays silent for a minute or so, and buffer event streams
 * unless told not to. Every event stream, of both transports (the legacy SSE stream, a Streamable HTTP GET stream, the
 * stream that answers a long waitForReply POST), carries a comment line every `everyMs`; clients ignore comments.
 * The SDK writes each event in one write, so a comment never lands inside one.
 */
function keepStreamAlive(res: Response, everyMs: number): void {
  // Set before the SDK's writeHead, so its headers merge into these and its Content-Type can be read back.
  res.setHeader('X-Accel-Buffering', 'no')
  const timer = setInterval(() => {
    if (!res.headersSent || res.writableEnded) return
    if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return
    res.write(': keepalive\n\n')
  }, everyMs)
  timer.unref()
  res.once('close', () => clearInterval(timer))
}

/**
 * Without an event store nothing can be resumed: when a client drops the stream of a request before its answer, the
 * answer can never reach it. The requests on that stream are cancelled as if the client had said so, which ends a
 * long waitForReply at once instead of holding its waiter until the session is swept.
 */
function cancelOnDisconnect(transport: StreamableHTTPServerTransport, req: Request, res: Response): void {
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body]
  const ids = messages
    .filter((m): m is { id: string | number; method: string } => typeof m === 'object' && m !== null && 'method' in m && 'id' in m)
    .map((m) => m.id)
  if (ids.length === 0) return
  res.once('close', () => {
    if (res.writableFinished) return
    for (const requestId of ids) {
      injectCancellation(transport, requestId, 'the client disconnected')
    }
  })
}

/** What the client says about itself on the URL or in headers, for the session it opens. */
function sessionHints(req: Request): { name?: string } {
  const header = req.headers['x-channel-name']
  const query = req.query.name
  const name = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined
  return name ? { name: name.slice(0, 100) } : {}
}

/** The session a request names, of the transport it came on; otherwise answered with why not (and undefined). */
function findSession(sessions: SessionRegistry, res: Response, id: string | undefined, kind: SessionKind): Session | undefined {
  if (!id) {
    rpcError(res, 400, -32000, kind === 'sse' ? 'Bad Request: sessionId query parameter is required' : 'Bad Request: Mcp-Session-Id header is required (send an initialize request first)')
    return undefined
  }
  const session = sessions.get(id)
  if (!session) {
    rpcError(res, 404, -32001, 'Session not found: it expired or the server restarted; reconnect to start a new session')
    return undefined
  }
  if (session.kind !== kind) {
    rpcError(res, 400, -32000, `Bad Request: session ${id} belongs to the ${session.kind === 'sse' ? 'legacy SSE (/sse)' : 'Streamable HTTP (/mcp)'} transport`)
    return undefined
  }
  return session
}

/** True (and answered 503) when no session can be opened: every one is in use. */
function refusedWhenFull(sessions: SessionRegistry, res: Response): boolean {
  if (sessions.makeRoom()) return false
  res.setHeader('Retry-After', '30')
  rpcError(res, 503, -32000, 'Server busy: every MCP session is in use (MCP_MAX_SESSIONS, each with an open stream or a call in flight); close unused clients and retry')
  return true
}

export function mcpRoutes({ sessions, newServer, logger, keepAliveMs, callLimits, onServerStream }: McpRouteOptions): Router {
  const router = Router()
  const watchServerStream = (server: McpServer, res: Response) => {
    if (!onServerStream) return
    onServerStream(server, true)
    res.once('close', () => onServerStream(server, false))
  }
  const log = logger.child({ component: 'mcp' })
  let refusedCalls = 0
  let lastRefusalLog = 0

  /** A gate for one session's calls; `session()` is read when a call settles (the session exists only by then). */
  const newGate = (session: () => Session | undefined): CallGate =>
    new CallGate({ ...callLimits, unlimited: isWaitingCall }, {
      settled: () => {
        const s = session()
        if (s) sessions.touch(s)
      },
      refused: (info) => {
        refusedCalls++
        if (Date.now() - lastRefusalLog < 10_000) return
        log.warn({ ...info, session: session()?.id, refused: refusedCalls }, 'calls refused: a session has too many in flight (MCP_MAX_CALLS_IN_FLIGHT, MCP_MAX_CALLS_QUEUED)')
        refusedCalls = 0
        lastRefusalLog = Date.now()
      },
    })

  // Legacy HTTP+SSE.
  router.get('/sse', async (req: Request, res: Response) => {
    if (refusedWhenFull(sessions, res)) return
    keepStreamAlive(res, keepAliveMs)
    const transport = new SSEServerTransport('/messages', res)
    const server = newServer(sessionHints(req))
    let session: Session | undefined
    const calls = newGate(() => session)
    transport.onclose = () => sessions.remove(transport.sessionId)
    try {
      await server.connect(transport)
      calls.install(transport)
      session = sessions.add({ id: transport.sessionId, kind: 'sse', transport, server, calls })
      sessions.holdStream(session, res)
      watchServerStream(server, res)
    } catch (err) {
      sessions.remove(transport.sessionId)
      log.error({ err: String(err) }, 'SSE session failed to start')
    }
  })

  router.post('/messages', async (req: Request, res: Response) => {
    const id = typeof req.query.sessionId === 'string' ? req.query.sessionId : undefined
    const session = findSession(sessions, res, id, 'sse')
    if (!session) return
    // The SDK answers a message it cannot take with "Invalid message: <the body>", as text a browser may render:
    // checked here first, and the answer never repeats what was sent.
    if (!JSONRPCMessageSchema.safeParse(req.body).success) {
      rpcError(res, 400, -32600, 'Invalid Request: the body must be one JSON-RPC 2.0 message sent as Content-Type: application/json')
      return
    }
    await (session.transport as SSEServerTransport).handlePostMessage(req, res, req.body)
  })

  // Streamable HTTP.
  const postToSession = async (req: Request, res: Response, id: string) => {
    const session = findSession(sessions, res, id, 'streamableHttp')
    if (!session) return
    // A call still being answered (a long waitForReply) keeps its session alive: the session's CallGate counts it.
    keepStreamAlive(res, keepAliveMs)
    cancelOnDisconnect(session.transport as StreamableHTTPServerTransport, req, res)
    await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, req.body)
  }

  const openStreamableSession = async (req: Request, res: Response) => {
    if (!isInitializeRequest(req.body)) {
      rpcError(res, 400, -32000, 'Bad Request: no Mcp-Session-Id header; the first request of a session must be initialize')
      return
    }
    if (refusedWhenFull(sessions, res)) return
    const server = newServer(sessionHints(req))
    let session: Session | undefined
    const calls = newGate(() => session)
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        session = sessions.add({ id: sessionId, kind: 'streamableHttp', transport, server, calls })
      },
    })
    transport.onclose = () => {
      if (transport.sessionId) sessions.remove(transport.sessionId)
    }
    try {
      await server.connect(transport)
      calls.install(transport)
      keepStreamAlive(res, keepAliveMs)
      await transport.handleRequest(req, res, req.body)
    } catch (err) {
      log.error({ err: String(err) }, 'Streamable HTTP session failed to start')
      rpcError(res, 500, -32603, 'Internal error while starting the session')
    }
  }

  router.post('/mcp', async (req: Request, res: Response) => {
    const id = req.headers['mcp-session-id']
    await (typeof id === 'string' ? postToSession(req, res, id) : openStreamableSession(req, res))
  })

  const streamOrDelete = async (req: Request, res: Response) => {
    const header = req.headers['mcp-session-id']
    const session = findSession(sessions, res, typeof header === 'string' ? header : undefined, 'streamableHttp')
    if (!session) return
    if (req.method === 'GET') {
      sessions.holdStream(session, res)
      keepStreamAlive(res, keepAliveMs)
      watchServerStream(session.server, res)
    }
    await (session.transport as StreamableHTTPServerTransport).handleRequest(req, res, req.body)
  }
  router.get('/mcp', streamOrDelete)
  router.delete('/mcp', streamOrDelete)

  return router
}
