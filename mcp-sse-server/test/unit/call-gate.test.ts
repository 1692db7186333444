/**
 * The per-session call limit, between a real SDK Client and a real McpServer over an in-memory transport: a tool that
 * holds each call until the test releases it shows how many calls the server has started; the gate's counts show the
 * rest. No timing: every step awaits the event it depends on.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { BUSY_ERROR_CODE, CallGate } from '../../src/http/call-gate.js'

interface Harness {
  client: Client
  gate: CallGate
  /** Calls the server has started and not yet finished, in start order. */
  started: Array<{ n: number; release: () => void }>
  /** Every call the server ever started, in start order. */
  history: number[]
  /** Resolves once `count` calls have started in total. */
  startedAtLeast: (count: number) => Promise<void>
  settled: () => number
  refusals: Array<{ running: number; queued: number }>
  /** Releases every started call, and from now on every call as it starts. */
  releaseAll: () => void
}

let open: Harness[] = []
afterEach(async () => {
  for (const h of open) {
    for (const s of h.started) s.release()
    await h.client.close()
  }
  open = []
})

async function harness(limits: ConstructorParameters<typeof CallGate>[0]): Promise<Harness> {
  const server = new McpServer({ name: 'gate-test', version: '1.0.0' })
  const started: Harness['started'] = []
  const history: number[] = []
  let total = 0
  let auto = false
  const waiters: Array<{ count: number; resolve: () => void }> = []
  server.registerTool('hold', { inputSchema: { n: z.number() } }, async ({ n }) => {
    await new Promise<void>((release) => {
      started.push({ n, release })
      history.push(n)
      total++
      if (auto) release()
      for (const w of waiters.filter((w) => total >= w.count)) w.resolve()
    })
    started.splice(
      started.findIndex((s) => s.n === n),
      1,
    )
    return { content: [{ type: 'text', text: `done ${n}` }] }
  })
  let settledCount = 0
  const refusals: Harness['refusals'] = []
  const gate = new CallGate(limits, { settled: () => settledCount++, refused: (r) => refusals.push(r) })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  gate.install(serverSide)
  const client = new Client({ name: 'gate-test-client', version: '1.0.0' })
  await client.connect(clientSide)
  const h: Harness = {
    client,
    gate,
    started,
    history,
    startedAtLeast: (count) => (total >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    settled: () => settledCount,
    refusals,
    releaseAll: () => {
      auto = true
      for (const s of [...started]) s.release()
    },
  }
  open.push(h)
  return h
}

const hold = (h: Harness, n: number, signal?: AbortSignal) => h.client.callTool({ name: 'hold', arguments: { n } }, undefined, { signal })

describe('CallGate', () => {
  it('runs at most maxInFlight calls of a session; the rest wait and start in order as slots free up', async () => {
    const h = await harness({ maxInFlight: 3, maxQueued: 10 })
    const calls = Array.from({ length: 8 }, (_, n) => hold(h, n))
    await h.startedAtLeast(3)
    // The five others reached the server (they are counted as waiting) but none was started.
    await expect.poll(() => h.gate.queued).toBe(5)
    expect(h.started.map((s) => s.n)).toEqual([0, 1, 2])
    expect(h.gate.inFlight).toBe(3)

    h.started.find((s) => s.n === 1)!.release()
    await h.startedAtLeast(4)
    expect(h.started.map((s) => s.n).sort()).toEqual([0, 2, 3])
    expect(h.gate.inFlight).toBe(3)
    expect(h.gate.queued).toBe(4)

    // Release everything as it starts: every call is answered, in the end nothing is in flight.
    h.releaseAll()
    const results = await Promise.all(calls)
    expect(results.map((r) => (r.content as Array<{ text: string }>)[0].text)).toEqual(Array.from({ length: 8 }, (_, n) => `done ${n}`))
    expect(h.gate.idle).toBe(true)
    expect(h.settled()).toBeGreaterThanOrEqual(8)
  })

  it('answers calls past the queue at once with a JSON-RPC error that says what to do, and runs none of them', async () => {
    const h = await harness({ maxInFlight: 2, maxQueued: 2 })
    const kept = [hold(h, 0), hold(h, 1), hold(h, 2)]
    await h.startedAtLeast(2)
    await expect.poll(() => h.gate.queued).toBe(1)
    // Any request is a call: tools/list waits its turn too.
    const list = h.client.listTools()
    await expect.poll(() => h.gate.queued).toBe(2)
    const refused = await hold(h, 3).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(refused).toBeInstanceOf(McpError)
    expect((refused as McpError).code).toBe(BUSY_ERROR_CODE)
    expect((refused as McpError).message).toMatch(/2 running and 2 waiting.*MCP_MAX_CALLS_IN_FLIGHT.*not run.*send it again/)
    expect(h.refusals).toEqual([{ running: 2, queued: 2, method: 'tools/call' }])
    h.releaseAll()
    await Promise.all([...kept, list])
    expect((await list).tools.map((t) => t.name)).toEqual(['hold'])
    expect(h.history).toEqual([0, 1, 2])
    expect(h.gate.idle).toBe(true)
  })

  it('a waiting call the client cancels is never started; a running one frees its slot', async () => {
    const h = await harness({ maxInFlight: 1, maxQueued: 5 })
    const first = hold(h, 0)
    await h.startedAtLeast(1)
    const cancelWaiting = new AbortController()
    const waiting = hold(h, 1, cancelWaiting.signal).catch((err: unknown) => err)
    const third = hold(h, 2)
    await expect.poll(() => h.gate.queued).toBe(2)
    cancelWaiting.abort('changed my mind')
    await expect.poll(() => h.gate.queued).toBe(1)
    expect(await waiting).toBeDefined()

    h.started[0].release()
    await first
    await h.startedAtLeast(2)
    expect(h.started.map((s) => s.n)).toEqual([2])
    expect(h.history).toEqual([0, 2])

    // Cancelling the running call frees its slot for the next one at once.
    const cancelRunning = new AbortController()
    const fourth = hold(h, 3, cancelRunning.signal).catch((err: unknown) => err)
    h.started[0].release()
    await third
    await h.startedAtLeast(3)
    expect(h.gate.inFlight).toBe(1)
    cancelRunning.abort('no longer needed')
    await expect.poll(() => h.gate.inFlight).toBe(0)
    await fourth
  })

  it('calls that only wait (waitForReply) are counted as in flight but never held back, and hold no slot', async () => {
    const waits = (r: { params?: unknown }) => ((r.params as { arguments?: { n?: number } }).arguments?.n ?? 0) >= 100
    const h = await harness({ maxInFlight: 1, maxQueued: 5, unlimited: waits })
    const calls = [hold(h, 100), hold(h, 101), hold(h, 102), hold(h, 0), hold(h, 1)]
    await h.startedAtLeast(4)
    await expect.poll(() => h.gate.queued).toBe(1)
    expect(h.history).toEqual([100, 101, 102, 0])
    expect(h.gate.inFlight).toBe(1)
    h.started.find((s) => s.n === 0)!.release()
    await h.startedAtLeast(5)
    h.started.find((s) => s.n === 1)!.release()
    // Only the waits are left: not idle (a session with a wait open is in use), but nothing is held back.
    await expect.poll(() => h.gate.inFlight).toBe(0)
    expect(h.gate.idle).toBe(false)
    h.releaseAll()
    await Promise.all(calls)
    expect(h.history).toEqual([100, 101, 102, 0, 1])
    expect(h.gate.idle).toBe(true)
  })
})
