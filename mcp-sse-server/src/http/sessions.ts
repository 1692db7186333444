/**
 * Every live MCP session, of both transports, in one map: each with its own McpServer.
 *
 * Clients leave sessions behind (crashes, one-shot tools such as the Inspector CLI or `claude mcp list`, which never
 * say goodbye), so: quiet sessions without an open stream are swept, those whose client never kept a stream open much
 * sooner; idle sessions with a stream are pinged and dropped when they do not answer; and when the table is full, the
 * least recently used session with no open stream and no call in flight makes room for the new one. Only when every
 * session is busy is a new one refused.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from '../logger.js'
import type { CallGate } from './call-gate.js'

export type SessionKind = 'sse' | 'streamableHttp'

export interface Session {
  id: string
  kind: SessionKind
  transport: SSEServerTransport | StreamableHTTPServerTransport
  server: McpServer
  /** Counts the session's calls in flight (and holds back the ones past its limit). */
  calls: CallGate
  lastActivity: number
  /** Open response streams (the legacy SSE stream, a Streamable HTTP GET): a session with one is alive. */
  openStreams: number
  /**
   * A stream of this session stayed open for the streamless idle time at least: its client keeps a stream (an agent),
   * it is no one-shot tool, and a lost stream may come back (a laptop waking up). Swept after the full idle time.
   */
  heldStream: boolean
  /** A ping is out and not answered yet. */
  pinging: boolean
}

export interface SessionOptions {
  idleMs: number
  streamlessIdleMs: number
  max: number
  /** 0: never ping. */
  pingIntervalMs: number
  pingTimeoutMs: number
}

/** Refusals come in floods: one log line, then at most one summary per this period. */
const REFUSAL_LOG_EVERY_MS = 10_000

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>()
  private readonly ticker: NodeJS.Timeout
  private refusedSinceLog = 0
  private lastRefusalLog = 0

  constructor(
    private readonly options: SessionOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const shortest = Math.min(options.idleMs, options.streamlessIdleMs, options.pingIntervalMs || Infinity)
    this.ticker = setInterval(() => this.tick(), Math.min(30_000, Math.max(250, shortest / 2)))
    this.ticker.unref()
  }

  get size(): number {
    return this.sessions.size
  }

  get full(): boolean {
    return this.sessions.size >= this.options.max
  }

  counts(): Record<SessionKind, number> {
    const counts = { sse: 0, streamableHttp: 0 }
    for (const s of this.sessions.values()) counts[s.kind]++
    return counts
  }

  get(id: string): Session | undefined {
    const session = this.sessions.get(id)
    if (session) session.lastActivity = this.now()
    return session
  }

  add(session: Pick<Session, 'id' | 'kind' | 'transport' | 'server' | 'calls'>): Session {
    const full: Session = { ...session, lastActivity: this.now(), openStreams: 0, heldStream: false, pinging: false }
    this.sessions.set(session.id, full)
    this.log.debug({ session: session.id, kind: session.kind, total: this.sessions.size }, 'session opened')
    return full
  }

  /** Counts an open response stream on the session while it lasts. */
  holdStream(session: Session, stream: { once(event: 'close', listener: () => void): unknown }): void {
    const opened = this.now()
    session.openStreams++
    stream.once('close', () => {
      session.openStreams--
      session.lastActivity = this.now()
      if (session.lastActivity - opened >= this.options.streamlessIdleMs) session.heldStream = true
    })
  }

  /** A call of the session was answered: it was active just now. */
  touch(session: Session): void {
    session.lastActivity = this.now()
  }

  /**
   * Room for one more session: true when there is room, or when the least recently used session with no open stream
   * and no call in flight was closed to make it. False (and logged) when every session is busy.
   */
  makeRoom(): boolean {
    if (!this.full) return true
    let oldest: Session | undefined
    for (const s of this.sessions.values()) {
      if (s.openStreams > 0 || !s.calls.idle) continue
      if (!oldest || s.lastActivity < oldest.lastActivity) oldest = s
    }
    if (oldest) {
      this.drop(oldest)
      this.log.info({ session: oldest.id, kind: oldest.kind, idleS: Math.round((this.now() - oldest.lastActivity) / 1000) }, 'session table full: closed the least recently used idle session')
      return true
    }
    this.logRefusal()
    return false
  }

  /** Called from the transport's onclose: forget the session and free its McpServer. */
  remove(id: string): void {
    const session = this.sessions.get(id)
    if (!session) return
    this.sessions.delete(id)
    void session.server.close().catch(() => undefined)
    this.log.debug({ session: id, kind: session.kind, total: this.sessions.size }, 'session closed')
  }

  /** Closes quiet sessions that have no open stream and no call in flight; returns how many. */
  sweep(now = this.now()): number {
    let swept = 0
    for (const session of [...this.sessions.values()]) {
      if (session.openStreams > 0 || !session.calls.idle) continue
      const idleMs = session.heldStream ? this.options.idleMs : this.options.streamlessIdleMs
      if (now - session.lastActivity < idleMs) continue
      swept++
      this.drop(session)
    }
    if (swept) this.log.info({ swept, remaining: this.sessions.size }, 'idle sessions closed')
    return swept
  }

  /**
   * Pings sessions that have an open stream but have been quiet for a ping interval. A stream can look open long after
   * its client is gone (a half-open connection behind a NAT or a sleeping laptop); a client that does not answer the
   * ping within the timeout is dropped. Sessions without a stream cannot be reached and are left to the sweep.
   */
  pingIdle(now = this.now()): number {
    const { pingIntervalMs, pingTimeoutMs } = this.options
    if (!pingIntervalMs) return 0
    let sent = 0
    for (const session of this.sessions.values()) {
      if (session.pinging || session.openStreams === 0 || now - session.lastActivity < pingIntervalMs) continue
      session.pinging = true
      sent++
      session.server.server.request({ method: 'ping' }, EmptyResultSchema, { timeout: pingTimeoutMs }).then(
        () => {
          session.pinging = false
          session.lastActivity = this.now()
        },
        (err: unknown) => {
          session.pinging = false
          if (this.sessions.get(session.id) !== session) return
          this.log.info({ session: session.id, kind: session.kind, err: String(err).slice(0, 200) }, 'session dropped: its client did not answer a ping')
          this.drop(session)
        },
      )
    }
    return sent
  }

  async closeAll(): Promise<void> {
    clearInterval(this.ticker)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.allSettled(all.map((s) => s.transport.close()))
    await Promise.allSettled(all.map((s) => s.server.close()))
  }

  private tick(): void {
    this.sweep()
    this.pingIdle()
  }

  private drop(session: Session): void {
    this.sessions.delete(session.id)
    void session.transport.close().catch(() => undefined)
    void session.server.close().catch(() => undefined)
  }

  private logRefusal(): void {
    this.refusedSinceLog++
    const now = this.now()
    if (now - this.lastRefusalLog < REFUSAL_LOG_EVERY_MS) return
    this.log.warn(
      { refused: this.refusedSinceLog, sessions: this.sessions.size, max: this.options.max },
      'new MCP session refused (503): every session has an open stream or a call in flight; raise MCP_MAX_SESSIONS or close unused clients',
    )
    this.refusedSinceLog = 0
    this.lastRefusalLog = now
  }
}
