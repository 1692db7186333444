/**
 * Limits the calls one session has in flight, so one client cannot stall the others. Without it a client with 200
 * calls outstanding puts 200 requests ahead of every other client's next one on the one event loop. Calls past the
 * limit wait in the session's own queue and start one loop turn later (after other clients' pending I/O), as slots
 * free up; past the queue they are answered at once with a JSON-RPC error that says what to do.
 *
 * The gate sits between a transport and the McpServer connected to it: it wraps the transport's `onmessage` (calls
 * in) and `send` (answers out). It also tells the session registry whether a call is in flight.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js'

export interface CallLimits {
  maxInFlight: number
  maxQueued: number
  /**
   * Calls that mostly wait (waitForReply holds a call open for minutes doing nothing) are counted as in flight but not
   * limited here: they cost no work while they wait, have their own cap (WECHAT_MAX_WAITS), and a client that waits on
   * many chats at once must still be able to make other calls.
   */
  unlimited?: (request: JSONRPCRequest) => boolean
}

/** JSON-RPC "server error" range: the call was not run, the client may send it again later. */
export const BUSY_ERROR_CODE = -32000

type Deliver = (message: JSONRPCMessage, extra?: MessageExtraInfo) => void
type Send = Transport['send']

interface Waiting {
  key: string
  message: JSONRPCRequest
  extra?: MessageExtraInfo
}

/** Numbers and strings are different ids in JSON-RPC (1 is not "1"). */
function keyOf(id: RequestId): string {
  return `${typeof id}:${String(id)}`
}

export class CallGate {
  private readonly running = new Set<string>()
  /** In flight, outside the limit (see CallLimits.unlimited). */
  private readonly unlimited = new Set<string>()
  private readonly waiting: Waiting[] = []
  private deliver?: Deliver
  private send?: Send
  private pumpScheduled = false

  constructor(
    private readonly limits: CallLimits,
    private readonly hooks: {
      /** A call was answered (or cancelled): the session was just active. */
      settled?: () => void
      /** A call was refused because the queue is full. */
      refused?: (info: { running: number; queued: number; method: string }) => void
    } = {},
  ) {}

  /** Calls running under the limit. */
  get inFlight(): number {
    return this.running.size
  }

  get queued(): number {
    return this.waiting.length
  }

  /** No call running or waiting. */
  get idle(): boolean {
    return this.running.size === 0 && this.unlimited.size === 0 && this.waiting.length === 0
  }

  /** Puts the gate in front of the server: call right after `server.connect(transport)`, which sets `onmessage`. */
  install(transport: Transport): void {
    const deliver = transport.onmessage
    if (!deliver) throw new Error('CallGate.install: connect the server to the transport first')
    this.deliver = deliver as Deliver
    const send = transport.send.bind(transport)
    this.send = send
    transport.onmessage = (message, extra) => this.receive(message, extra)
    transport.send = (message, options) => {
      this.settle(message)
      return send(message, options)
    }
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (isJSONRPCRequest(message)) {
      this.admit(message, extra)
      return
    }
    if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId
      if (requestId !== undefined) this.cancel(keyOf(requestId))
    }
    this.deliver!(message, extra)
  }

  private admit(message: JSONRPCRequest, extra?: MessageExtraInfo): void {
    const key = keyOf(message.id)
    if (this.running.has(key) || this.unlimited.has(key) || this.waiting.some((w) => w.key === key)) {
      this.refuse(message, -32600, `Invalid request: id ${JSON.stringify(message.id)} is already used by a call in flight on this session; use a new id`)
      return
    }
    if (this.limits.unlimited?.(message)) {
      this.unlimited.add(key)
      this.deliver!(message, extra)
      return
    }
    if (this.running.size < this.limits.maxInFlight && this.waiting.length === 0) {
      this.running.add(key)
      this.deliver!(message, extra)
      return
    }
    if (this.waiting.length < this.limits.maxQueued) {
      this.waiting.push({ key, message, extra })
      return
    }
    this.hooks.refused?.({ running: this.running.size, queued: this.waiting.length, method: message.method })
    this.refuse(
      message,
      BUSY_ERROR_CODE,
      `Too many calls at once on this session: ${this.running.size} running and ${this.waiting.length} waiting ` +
        '(limits: MCP_MAX_CALLS_IN_FLIGHT, MCP_MAX_CALLS_QUEUED). This call was not run; wait for some answers, then send it again.',
    )
  }

  private refuse(message: JSONRPCRequest, code: number, text: string): void {
    void this.send!({ jsonrpc: '2.0', id: message.id, error: { code, message: text } }).catch(() => undefined)
  }

  /** The SDK sends nothing for a cancelled call: its slot is free now, and a waiting one is never started. */
  private cancel(key: string): void {
    const at = this.waiting.findIndex((w) => w.key === key)
    if (at >= 0) this.waiting.splice(at, 1)
    else if (this.running.delete(key)) this.release()
    else if (this.unlimited.delete(key)) this.hooks.settled?.()
  }

  private settle(message: JSONRPCMessage): void {
    if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) return
    if (message.id === undefined) return
    const key = keyOf(message.id)
    if (this.running.delete(key)) this.release()
    else if (this.unlimited.delete(key)) this.hooks.settled?.()
  }

  private release(): void {
    this.hooks.settled?.()
    if (this.waiting.length === 0 || this.pumpScheduled) return
    // A later loop turn, not now: other clients' requests that already arrived are read first.
    this.pumpScheduled = true
    setImmediate(() => {
      this.pumpScheduled = false
      while (this.running.size < this.limits.maxInFlight && this.waiting.length > 0) {
        const next = this.waiting.shift()!
        this.running.add(next.key)
        this.deliver!(next.message, next.extra)
      }
    })
  }
}
