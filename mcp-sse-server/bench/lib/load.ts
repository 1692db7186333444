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

export async function connect(baseUrl: string, kind: TransportKind): Promise<Client> {
  const client = new Client({ name: 'wechat-mcp-bench', version: '1.0.0' })
  const transport =
    kind === 'sse' ? new SSEClientTransport(new URL('/sse', baseUrl)) : new StreamableHTTPClientTransport(new URL('/mcp', baseUrl))
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

export async function closeAll(clients: Client[]): Promise<void> {
  await Promise.allSettled(clients.map((c) => c.close()))
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
