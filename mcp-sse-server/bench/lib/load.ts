/**
 * The client side: SDK clients over either transport, closed-loop callers, and latency statistics.
 * Every loop is bounded by both a time budget and a call count.
 */
import { performance } from 'node:perf_hooks'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

export type TransportKind = 'sse' | 'streamableHttp'
export const TRANSPORTS: TransportKind[] = ['sse', 'streamableHttp']

/**
 * The SDK client hands every POST the transport's one AbortSignal; undici removes its abort listener only when the
 * request object is garbage-collected, and Node's EventTarget checks for duplicates by walking the listener list, so
 * in a long closed loop each call gets slower on the client side (and Node warns about thousands of listeners). POSTs
 * here never need aborting (the bench closes clients only when idle), so they go without the signal; the long-lived
 * GET streams keep it, so close() still ends them.
 */
const benchFetch: typeof fetch = (url, init) => fetch(url, init?.method === 'POST' ? { ...init, signal: undefined } : init)

export async function connect(baseUrl: string, kind: TransportKind): Promise<Client> {
  const client = new Client({ name: 'wechat-mcp-bench', version: '1.0.0' })
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL('/sse', baseUrl), { fetch: benchFetch })
      : new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { fetch: benchFetch })
  await client.connect(transport)
  return client
}

/** Opens `count` sessions, at most `parallel` handshakes at a time. */
export async function connectMany(baseUrl: string, kind: TransportKind, count: number, parallel = 20): Promise<Client[]> {
  const clients: Client[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      next++
      clients.push(await connect(baseUrl, kind))
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker))
  } catch (err) {
    await closeAll(clients)
    throw err
  }
  return clients
}

/** Ends the sessions as a polite client does: Streamable HTTP sessions are deleted (DELETE /mcp), SSE streams closed. */
export async function closeAll(clients: Client[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.allSettled(
      clients.slice(i, i + 50).map(async (client) => {
        const transport = client.transport
        if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined)
        await client.close()
      }),
    )
  }
}

export type ToolCall = (client: Client) => Promise<CallToolResult>

export function toolCall(name: string, args: Record<string, unknown>, check?: (result: CallToolResult) => void): ToolCall {
  return async (client) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult
    check?.(result)
    return result
  }
}

export interface Run {
  /** Per-call latencies in ms. */
  samples: number[]
  /** Wall time of the measured window in ms. */
  wallMs: number
}

/**
 * Every client calls in a closed loop (next call as soon as the last answered) until the time budget or the call
 * budget is spent. Returns the latencies; the warm-up window is run the same way and thrown away.
 */
export async function closedLoop(clients: Client[], call: ToolCall, budget: { ms: number; maxCalls: number }): Promise<Run> {
  const samples: number[] = []
  const started = performance.now()
  const deadline = started + budget.ms
  let issued = 0
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline && issued < budget.maxCalls) {
        issued++
        const t0 = performance.now()
        await call(client)
        samples.push(performance.now() - t0)
      }
    }),
  )
  return { samples, wallMs: performance.now() - started }
}

export function merge(runs: Run[]): Run {
  return { samples: runs.flatMap((r) => r.samples), wallMs: runs.reduce((sum, r) => sum + r.wallMs, 0) }
}

export interface LatencyStats {
  calls: number
  p50: number
  p95: number
  p99: number
  callsPerSecond: number
}

/** Nearest-rank percentile. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export function stats(run: Run): LatencyStats {
  const sorted = [...run.samples].sort((a, b) => a - b)
  return {
    calls: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    callsPerSecond: round((sorted.length / run.wallMs) * 1000, 1),
  }
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50)
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
