/**
 * The fault run of issue 13 that is about one client stalling or locking out the others, each as a figure against the
 * same measurement without the fault, in the same run:
 * - typo storm: clients asking for names that do not exist in a 50,000-contact book, each miss allowed to re-read the
 *   address book (WECHAT_REREAD_MIN_INTERVAL_S=1, harsher than the default 30 s); measured: the server's event-loop
 *   delay and other clients' latency;
 * - 200 calls in flight from one client: other clients' latency, with the per-session call limit and without it;
 * - session flood: clients that connect, call once and drop, far past MCP_MAX_SESSIONS; then a fresh client must work.
 */
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { QUERY } from './fixture.js'
import { closeAll, closedLoop, connect, round, stats, type LatencyStats } from './load.js'
import { findFriend, type Log } from './phases.js'
import { PACKAGE_DIR, spawnNode, TSX_LOADER, type Proc } from './proc.js'
import { figure, type Figure } from './report.js'
import { startOurs, type BenchContext } from './servers.js'

export interface FaultBudgets {
  typoContacts: number
  /** Each measured window (without, then with the fault). */
  windowMs: number
  typoClients: number
  otherClients: number
  inFlight: number
  sessionCap: number
  /** Sessions opened and dropped by the flood, as a multiple of the cap. */
  floodTimesCap: number
}

/** The server's event-loop delay since the last reading (bench/lib/gc-hook.mjs). */
async function loopDelay(proc: Proc): Promise<{ maxMs: number; p99Ms: number }> {
  const after = proc.logs().length
  proc.child.kill('SIGUSR2')
  const line = await proc.waitForLog((l) => l.msg === 'bench gc', 15_000, after)
  return { maxMs: round(Number(line.loopMaxMs), 1), p99Ms: round(Number(line.loopP99Ms), 1) }
}

/**
 * Starts misbehaving clients, each its own process (bench/lib/load-child.ts), and resolves once all are calling; `done`
 * resolves with their statistics. They call for `ms`, which covers the measured window that starts when this resolves.
 */
async function misbehave(ctx: BenchContext, load: { url: string; clients: number; inFlight: number; ms: number; typos: boolean }) {
  const procs = Array.from({ length: load.clients }, (_, i) =>
    spawnNode({
      name: `${load.typos ? 'typist' : 'flooder'} ${i + 1}`,
      args: ['--import', TSX_LOADER, path.join(PACKAGE_DIR, 'bench/lib/load-child.ts')],
      env: { BENCH_LOAD: JSON.stringify({ url: load.url, inFlight: load.inFlight, ms: load.ms, nickname: QUERY, typos: load.typos }) },
      cwd: ctx.tmp,
    }),
  )
  await Promise.all(procs.map((p) => p.waitForLog((l) => l.msg === 'load ready', 60_000)))
  const done = Promise.all(procs.map((p) => p.waitForLog((l) => l.msg === 'load done', load.ms + 60_000))).then((lines) =>
    lines.map((l) => ({ calls: Number(l.calls), p50: Number(l.p50), p99: Number(l.p99), errors: Number(l.errors) })),
  )
  return { done }
}

export async function typoStormPhase(ctx: BenchContext, budgets: FaultBudgets, fixture: string, log: Log): Promise<Figure[]> {
  const n = budgets.typoContacts
  log(`faults: typo storm at ${n.toLocaleString('en')} contacts (${budgets.typoClients} clients asking for names no one has, each miss may re-read the book once a second)`)
  const server = await startOurs(ctx, { name: `wechat-mcp (typo storm, ${n} contacts)`, fixture, gcHook: true, env: { WECHAT_REREAD_MIN_INTERVAL_S: '1' } })
  const others = await Promise.all(Array.from({ length: budgets.otherClients }, () => connect(server.url, 'streamableHttp')))
  try {
    const budget = { ms: budgets.windowMs, maxCalls: 1_000_000 }
    await closedLoop(others, findFriend, { ms: 200, maxCalls: 1_000 })
    await loopDelay(server.proc)
    const calm = stats(await closedLoop(others, findFriend, budget))
    const calmLoop = await loopDelay(server.proc)

    const readsBefore = server.proc.logs().filter((l) => l.msg === 'address book indexed').length
    const storm = await misbehave(ctx, { url: server.url, clients: budgets.typoClients, inFlight: 1, ms: budgets.windowMs + 1_000, typos: true })
    const during = stats(await closedLoop(others, findFriend, budget))
    const typos = await storm.done
    const stormLoop = await loopDelay(server.proc)
    const rereads = server.proc.logs().filter((l) => l.msg === 'address book indexed').length - readsBefore
    log(`faults: typo storm: event loop held at most ${stormLoop.maxMs} ms (calm ${calmLoop.maxMs} ms), ${rereads} re-reads; others' p99 ${during.p99} ms (calm ${calm.p99} ms)`)
    const detail = { contacts: n, rereads, typists: typos, calm: { ...calm, loop: calmLoop }, storm: { ...during, loop: stormLoop } }
    return [
      figure({
        id: 'faults.typoStorm.loopDelayMaxMs',
        label: `typo storm at ${n.toLocaleString('en')} contacts: longest event-loop stall`,
        unit: 'ms',
        value: stormLoop.maxMs,
        baseline: calmLoop.maxMs,
        baselineLabel: 'same server, no typos',
        target: { kind: 'absolute', max: 100, text: '≤ 100 ms (was 900–1,400 ms)' },
        detail,
      }),
      figure({
        id: 'faults.typoStorm.othersP99',
        label: `typo storm at ${n.toLocaleString('en')} contacts: other clients' findFriend p99`,
        unit: 'ms',
        value: during.p99,
        baseline: calm.p99,
        baselineLabel: 'same clients, no typos',
        detail,
      }),
    ]
  } finally {
    await closeAll(others)
    await server.proc.kill()
  }
}

/** One client keeps `inFlight` calls outstanding while another calls in a closed loop: the other's latency. */
async function floodedLatency(ctx: BenchContext, url: string, budgets: FaultBudgets): Promise<{ calm: LatencyStats; flooded: LatencyStats; flooder: unknown }> {
  const other = await connect(url, 'streamableHttp')
  try {
    const budget = { ms: budgets.windowMs, maxCalls: 1_000_000 }
    await closedLoop([other], findFriend, { ms: 200, maxCalls: 1_000 })
    const calm = stats(await closedLoop([other], findFriend, budget))
    const flood = await misbehave(ctx, { url, clients: 1, inFlight: budgets.inFlight, ms: budgets.windowMs + 1_000, typos: false })
    const flooded = stats(await closedLoop([other], findFriend, budget))
    return { calm, flooded, flooder: (await flood.done)[0] }
  } finally {
    await closeAll([other])
  }
}

/**
 * Both flood figures: one client with calls in flight (on a server with the default limit and on one without it), then
 * the session flood on the first server, whose small MCP_MAX_SESSIONS the in-flight part (2 sessions) does not reach.
 */
export async function floodPhase(ctx: BenchContext, budgets: FaultBudgets, fixture: string, log: Log): Promise<Figure[]> {
  log(`faults: one client with ${budgets.inFlight} calls in flight, with the per-session limit (default) and without it`)
  const [limited, unlimited] = await Promise.all([
    startOurs(ctx, { name: 'wechat-mcp (calls in flight, limited)', fixture, env: { MCP_MAX_SESSIONS: String(budgets.sessionCap) } }),
    startOurs(ctx, { name: 'wechat-mcp (calls in flight, no limit)', fixture, env: { MCP_MAX_CALLS_IN_FLIGHT: '10000', MCP_MAX_CALLS_QUEUED: '0' } }),
  ])
  try {
    const a = await floodedLatency(ctx, limited.url, budgets)
    const b = await floodedLatency(ctx, unlimited.url, budgets)
    log(`faults: others' p50 with ${budgets.inFlight} in flight: ${a.flooded.p50} ms limited (calm ${a.calm.p50}), ${b.flooded.p50} ms without a limit (calm ${b.calm.p50})`)
    await unlimited.proc.kill()
    const detail = { inFlight: budgets.inFlight, limited: a, unlimited: b }
    return [
      figure({
        id: 'faults.inFlight.othersP50',
        label: `another client's findFriend p50 while one client has ${budgets.inFlight} calls in flight`,
        unit: 'ms',
        value: a.flooded.p50,
        baseline: a.calm.p50,
        baselineLabel: 'same client, no flood',
        target: { kind: 'ratio', max: 3, text: '≤ 3× calm' },
        detail,
      }),
      figure({
        id: 'faults.inFlight.othersP50.noLimit',
        label: `same, without the per-session limit (MCP_MAX_CALLS_IN_FLIGHT=10000, for comparison)`,
        unit: 'ms',
        value: b.flooded.p50,
        baseline: b.calm.p50,
        baselineLabel: 'same client, no flood',
        detail,
      }),
      ...(await sessionFlood(limited.url, budgets, log)),
    ]
  } finally {
    await Promise.all([limited.proc.kill(), unlimited.proc.kill()])
  }
}

const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

/** initialize, one call, gone: no stream, no DELETE. Returns the HTTP status of the initialize. */
async function oneShot(url: string): Promise<number> {
  const rpc = (body: object, session?: string) =>
    fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, ...(session ? { 'mcp-session-id': session } : {}) }, body: JSON.stringify({ jsonrpc: '2.0', ...body }) })
  const init = await rpc({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'flood', version: '1' } } })
  await init.text()
  if (init.status !== 200) return init.status
  const session = init.headers.get('mcp-session-id')!
  await (await rpc({ method: 'notifications/initialized' }, session)).text()
  await (await rpc({ id: 2, method: 'tools/call', params: { name: 'getLoginStatus', arguments: {} } }, session)).text()
  return 200
}

async function freshClientMs(url: string): Promise<number> {
  const t0 = performance.now()
  const client = await connect(url, 'streamableHttp')
  await client.callTool({ name: 'getLoginStatus', arguments: {} })
  const ms = performance.now() - t0
  await closeAll([client])
  return ms
}

async function sessionFlood(url: string, budgets: FaultBudgets, log: Log): Promise<Figure[]> {
  const cap = budgets.sessionCap
  const total = cap * budgets.floodTimesCap
  log(`faults: session flood: ${total} clients connect, call once and drop, with MCP_MAX_SESSIONS=${cap}`)
  await freshClientMs(url)
  const before = await freshClientMs(url)
  const statuses = new Map<number, number>()
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < total) {
        next++
        const status = await oneShot(url)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    }),
  )
  const floodS = (performance.now() - t0) / 1000
  const after = await freshClientMs(url)
  const refused = total - (statuses.get(200) ?? 0)
  log(`faults: session flood: ${total} sessions in ${round(floodS, 1)} s, ${refused} refused; a fresh client then connected and called in ${round(after, 1)} ms (before: ${round(before, 1)} ms)`)
  return [
    figure({
      id: 'faults.sessionFlood.freshClientMs',
      label: `after ${total} abandoned sessions (${budgets.floodTimesCap}× MCP_MAX_SESSIONS=${cap}): a fresh client connects and calls`,
      unit: 'ms',
      value: after,
      baseline: before,
      baselineLabel: 'same, before the flood',
      detail: { cap, sessions: total, floodSeconds: round(floodS, 1), statuses: Object.fromEntries(statuses), refused },
    }),
  ]
}
