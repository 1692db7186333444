/**
 * `wechat-mcp stdio`: an MCP server on stdin/stdout that relays every JSON-RPC message, both ways, to the running
 * server's Streamable HTTP endpoint. Clients that only spawn stdio servers (Claude Desktop, Codex, Claude Code's stdio
 * channel set-up) then reach the one process that holds the WeChat login, with no third-party bridge.
 *
 * The relay is message-level, not tool-level: tool calls, notifications (channel events, permission requests and
 * verdicts, progress, cancellation) and anything a later protocol adds pass through unchanged. The client's
 * `initialize` is remembered so that, when the server restarts, a new session is opened on the client's behalf and the
 * conversation goes on. stdout carries JSON-RPC only; everything for people goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js'
import type { Readable, Writable } from 'node:stream'

export interface BridgeOptions {
  url: URL
  token?: string
  /** The session's short name (X-Channel-Name), so the owner can address this session from WeChat. */
  name?: string
  stdin?: Readable
  stdout?: Writable
  stderr?: Writable
  /** First and longest wait between attempts to reach the server again. */
  retryMs?: { first: number; max: number }
}

/** JSON-RPC error code for "the server behind this bridge cannot be reached" (implementation-defined range). */
export const UPSTREAM_DOWN = -32001
const REINIT_ID_PREFIX = 'wechat-mcp-bridge-reinit-'

export class StdioBridge {
  private readonly stdio: StdioServerTransport
  private readonly log: (line: string) => void
  private upstream?: StreamableHTTPClientTransport
  /** Resolves once the current upstream session is usable; undefined while down. */
  private connecting?: Promise<boolean>
  private initRequest?: JSONRPCRequest
  private clientInitialized = false
  /** Requests relayed and not answered yet: answered with an error if the server goes away under them. */
  private readonly pending = new Map<string | number, string>()
  private reconnectTimer?: NodeJS.Timeout
  private retryDelay: number
  private closed = false
  private markFinished!: () => void
  private readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve))
  private reinitCount = 0
  private wasDown = false
  /** The client's initialize was answered here (the server was down): tell it to list tools again once connected. */
  private answeredLocally = false

  /** The server's address as shown to people and the model: no credentials, no query (a `?token=` stays private). */
  private readonly where: string

  constructor(private readonly options: BridgeOptions) {
    this.where = `${options.url.origin}${options.url.pathname}`
    this.stdio = new StdioServerTransport(options.stdin, options.stdout)
    const stderr = options.stderr ?? process.stderr
    this.log = (line) => void stderr.write(`wechat-mcp stdio: ${line}\n`)
    this.retryDelay = options.retryMs?.first ?? 1_000
  }

  async start(): Promise<void> {
    this.stdio.onmessage = (message) => void this.fromClient(message)
    this.stdio.onclose = () => void this.close()
    this.stdio.onerror = (err) => this.log(`stdin: ${err.message}`)
    const stdin = this.options.stdin ?? process.stdin
    stdin.once('end', () => void this.stdio.close())
    await this.stdio.start()
  }

  /** Resolves when the client has gone (stdin closed) and the server session was ended. */
  closedPromise(): Promise<void> {
    return this.finished
  }

  /** The client went away: end the server session too, so it does not linger until swept. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.reconnectTimer)
    const upstream = this.upstream
    this.upstream = undefined
    if (upstream) {
      await upstream.terminateSession().catch(() => undefined)
      await upstream.close().catch(() => undefined)
    }
    this.markFinished()
  }

  private async fromClient(message: JSONRPCMessage): Promise<void> {
    if (isInitializeRequest(message)) this.initRequest = message as JSONRPCRequest
    if ('method' in message && message.method === 'notifications/initialized') this.clientInitialized = true
    const request = isJSONRPCRequest(message) ? message : undefined
    if (request) this.pending.set(request.id, request.method)

    // The client's own initialize opens the first session; later ones are replayed by reconnect().
    const ready = isInitializeRequest(message) ? await this.open(false) : await (this.connecting ?? this.open(true))
    if (!ready || !this.upstream) {
      if (request && isInitializeRequest(message)) this.answerInitializeLocally(request)
      else if (request?.method === 'tools/list') this.answer(request.id, { tools: [] })
      else if (request?.method === 'ping') this.answer(request.id, {})
      else if (request) this.answerDown(request.id)
      return
    }
    try {
      await this.upstream.send(message)
    } catch (first) {
      let err = first
      if (isSessionGone(err) && this.initRequest) {
        // The server restarted: open a new session for the client and say it once more.
        this.dropUpstream()
        if ((await this.open(true)) && this.upstream) {
          try {
            await (this.upstream as StreamableHTTPClientTransport).send(message)
            return
          } catch (again) {
            err = again
          }
        }
      }
      this.dropUpstream()
      this.serverDown(err)
      if (request && isInitializeRequest(message)) this.answerInitializeLocally(request)
      else if (request) this.answerDown(request.id)
    }
  }

  /** Connects to the server; with `replay`, opens a session with the client's remembered initialize. */
  private open(replay: boolean): Promise<boolean> {
    if (this.closed) return Promise.resolve(false)
    if (replay && !this.initRequest) return Promise.resolve(false)
    this.connecting ??= this.connect(replay).then(
      (ok) => {
        if (!ok) this.connecting = undefined
        return ok
      },
      (err: unknown) => {
        this.connecting = undefined
        this.serverDown(err)
        return false
      },
    )
    return this.connecting
  }

  private async connect(replay: boolean): Promise<boolean> {
    const headers: Record<string, string> = {}
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`
    if (this.options.name) headers['X-Channel-Name'] = this.options.name
    const upstream = new StreamableHTTPClientTransport(this.options.url, {
      requestInit: { headers },
      // The bridge itself decides when the server is gone; one quick retry of a dropped stream is enough.
      reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 2_000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
    })
    let reinitAnswer: ((ok: boolean) => void) | undefined
    const reinitId = `${REINIT_ID_PREFIX}${++this.reinitCount}`
    upstream.onmessage = (message) => {
      if ('id' in message && message.id === reinitId) {
        reinitAnswer?.(isJSONRPCResultResponse(message))
        return
      }
      if (isJSONRPCResultResponse(message) || ('error' in message && 'id' in message)) {
        if (this.initRequest && message.id === this.initRequest.id && isJSONRPCResultResponse(message)) {
          const version = (message.result as { protocolVersion?: string }).protocolVersion
          if (version) upstream.setProtocolVersion(version)
        }
        this.pending.delete(message.id as string | number)
      }
      void this.stdio.send(message).catch((err: Error) => this.log(`stdout: ${err.message}`))
    }
    upstream.onerror = (err) => {
      if (this.upstream !== upstream) return
      // A dropped stream that the transport could not get back means the server is gone.
      if (/Maximum reconnection attempts|Failed to reconnect|SSE stream disconnected/.test(err.message)) {
        this.serverDown(err)
        this.failPending()
        this.dropUpstream()
        this.scheduleReconnect()
      }
    }
    await upstream.start()
    if (!replay) {
      this.upstream = upstream
      return true
    }

    // A new session on the client's behalf: the same initialize, answered here, not passed on.
    const answered = new Promise<boolean>((resolve) => (reinitAnswer = resolve))
    const init = this.initRequest!
    try {
      await upstream.send({ ...init, id: reinitId })
      if (!(await answered)) throw new Error('the server refused to open a session')
      if (this.clientInitialized) await upstream.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    } catch (err) {
      void upstream.close().catch(() => undefined)
      throw err
    }
    this.upstream = upstream
    if (this.wasDown) this.log(`connected again to ${this.where}`)
    this.wasDown = false
    if (this.answeredLocally) {
      this.answeredLocally = false
      void this.stdio.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }).catch(() => undefined)
    }
    this.retryDelay = this.options.retryMs?.first ?? 1_000
    return true
  }

  private dropUpstream(): void {
    const upstream = this.upstream
    this.upstream = undefined
    this.connecting = undefined
    void upstream?.close().catch(() => undefined)
  }

  private serverDown(err: unknown): void {
    if (!this.wasDown) {
      this.log(
        `cannot reach the wechat-mcp server at ${this.where} (${describe(err)}). ` +
          'Start it (npm start, or PM2/Docker), or set WECHAT_MCP_URL; this bridge keeps trying.',
      )
    }
    this.wasDown = true
    this.scheduleReconnect()
  }

  /** While down, try again now and then, so server-initiated messages flow again without waiting for a call. */
  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || !this.initRequest) return
    const delay = this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryMs?.max ?? 10_000)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      if (this.upstream || this.closed) return
      void this.open(true).then((ok) => {
        if (!ok) this.scheduleReconnect()
      })
    }, delay)
    this.reconnectTimer.unref()
  }

  /**
   * The server is down when the client starts: the client still gets a working (empty) server, so its set-up does not
   * fail, and a list_changed once the real server is reached.
   */
  private answerInitializeLocally(request: JSONRPCRequest): void {
    this.answeredLocally = true
    const requested = (request.params as { protocolVersion?: string } | undefined)?.protocolVersion
    this.answer(request.id, {
      protocolVersion: requested && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      capabilities: { tools: { listChanged: true } },
      serverInfo: { name: 'wechat-mcp', version: 'bridge' },
      instructions: `The wechat-mcp server at ${this.where} is not running yet; its tools appear once it is reachable.`,
    })
    this.scheduleReconnect()
  }

  private answer(id: string | number, result: Record<string, unknown>): void {
    this.pending.delete(id)
    void this.stdio.send({ jsonrpc: '2.0', id, result }).catch(() => undefined)
  }

  private failPending(): void {
    for (const id of [...this.pending.keys()]) this.answerDown(id, true)
  }

  private answerDown(id: string | number, midCall = false): void {
    this.pending.delete(id)
    const message = midCall
      ? `The connection to the wechat-mcp server at ${this.where} was lost during this call; it may or may not have ` +
        'completed (check before repeating a send). The bridge reconnects by itself: try again in a few seconds.'
      : `The wechat-mcp server at ${this.where} is not reachable. Ask the user to start it (npm start, PM2 or Docker); ` +
        'the bridge reconnects by itself, then try again.'
    void this.stdio.send({ jsonrpc: '2.0', id, error: { code: UPSTREAM_DOWN, message } }).catch(() => undefined)
  }
}

function isSessionGone(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 404
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return `${err instanceof Error ? err.message : String(err)}${cause}`.slice(0, 300)
}
