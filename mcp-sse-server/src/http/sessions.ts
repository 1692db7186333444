/**
 * Every live MCP session, of both transports, in one map: each with its own McpServer. Sessions that go quiet without
 * an open stream are swept and closed (crashed clients never say goodbye); past the cap, new sessions are refused.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { Logger } from '../logger.js'

export type SessionKind = 'sse' | 'streamableHttp'

export interface Session {
  id: string
  kind: SessionKind
  transport: SSEServerTransport | StreamableHTTPServerTransport
  server: McpServer
  lastActivity: number
  /** Open response streams (the legacy SSE stream, a Streamable HTTP GET): a session with one is alive. */
  openStreams: number
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>()
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly options: { idleMs: number; max: number },
    private readonly log: Logger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(500, options.idleMs / 2)))
    this.sweeper.unref()
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
    if (session) session.lastActivity = Date.now()
    return session
  }

  add(session: Omit<Session, 'lastActivity' | 'openStreams'>): Session {
    const full: Session = { ...session, lastActivity: Date.now(), openStreams: 0 }
    this.sessions.set(session.id, full)
    this.log.debug({ session: session.id, kind: session.kind, total: this.sessions.size }, 'session opened')
    return full
  }

  /** Called from the transport's onclose: forget the session and free its McpServer. */
  remove(id: string): void {
    const session = this.sessions.get(id)
    if (!session) return
    this.sessions.delete(id)
    void session.server.close().catch(() => undefined)
    this.log.debug({ session: id, kind: session.kind, total: this.sessions.size }, 'session closed')
  }

  sweep(now = Date.now()): number {
    let swept = 0
    for (const session of [...this.sessions.values()]) {
      if (session.openStreams > 0 || now - session.lastActivity < this.options.idleMs) continue
      swept++
      this.sessions.delete(session.id)
      void session.transport.close().catch(() => undefined)
      void session.server.close().catch(() => undefined)
    }
    if (swept) this.log.info({ swept, remaining: this.sessions.size }, 'idle sessions closed')
    return swept
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.allSettled(all.map((s) => s.transport.close()))
    await Promise.allSettled(all.map((s) => s.server.close()))
  }
}
