/**
 * The measurements. Each phase returns its figures, every one with the baseline it was measured against in the
 * same run. Ours and the bare server take turns within each measurement (A B A B…), so a burst of load from
 * elsewhere on the machine falls on both rather than on one.
 */
import { request } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { QUERY } from './fixture.js'
import { closeAll, closedLoop, connect, connectMany, median, merge, round, stats, toolCall, TRANSPORTS, type Run, type ToolCall, type TransportKind } from './load.js'
import { freePort, rssAfterGcKb, rssKb, sleep, spawnNode } from './proc.js'
import { figure, type Figure } from './report.js'
import { bareCommand, oursCommand, oursEnv, startBare, startOurs, type BenchContext, type Server } from './servers.js'

export interface LoopBudget {
  warmupMs: number
  /** Measured time per server, split over `rounds` turns. */
  ms: number
  rounds: number
  maxCalls: number
}

export interface Budgets {
  startupRuns: number
  latencyContacts: number
  latency: LoopBudget
  scaleContacts: [number, number, number]
  scale: LoopBudget
  sessions: number
  /** Fresh server processes for each transport's session count (a quick run shares one pair). */
  freshSessionServers: boolean
  /**
   * Wait before each session RSS reading: longer than Node's HTTP keep-alive timeout (5 s), so the keep-alive
   * connections of the handshake's POSTs are closed, as they are for any session idle longer than that.
   */
  sessionSettleMs: number
  settleMs: number
  /** strict: a failed channel voids the figure (full run); a quick run only records it. */
  notify: { delayMs: number; timeoutMs: number; runs: number; strict: boolean }
}

export type Log = (message: string) => void

/** The proposed launch flag for the idle-RSS target (see docs/benchmarks.md). */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=4'
type Fixtures = Map<number, string>

/** findFriend for the one contact that exists exactly once at every address-book size. */
export const findFriend: ToolCall = toolCall('findFriend', { nickname: QUERY }, (result) => {
  const s = result.structuredContent as { exactCount?: number } | undefined
  if (result.isError || s?.exactCount !== 1) throw new Error(`findFriend did not find the bench contact: ${JSON.stringify(result).slice(0, 300)}`)
})

export const echo: ToolCall = toolCall('echo', { text: QUERY }, (result: CallToolResult) => {
  if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result).slice(0, 300)}`)
})

// The 5,000-contact wechat-mcp and a bare server, shared by the startup (idle RSS), latency and scale phases.
let main: Promise<{ ours: Server; bare: Server }> | undefined

function mainServers(ctx: BenchContext, budgets: Budgets, fixtures: Fixtures, log: Log) {
  main ??= (async () => {
    log(`starting wechat-mcp with a ${budgets.latencyContacts.toLocaleString('en')}-contact sandbox, and the bare SDK server`)
    const [ours, bare] = await Promise.all([
      startOurs(ctx, {
        name: `wechat-mcp (${budgets.latencyContacts} contacts)`,
        fixture: fixtures.get(budgets.latencyContacts),
        gcHook: true,
        // Launched as npm start, PM2 and Docker launch it; BENCH_OURS_NODE_FLAGS='' (or other flags) for A/B runs.
        nodeFlags: (process.env.BENCH_OURS_NODE_FLAGS ?? SEMI_SPACE_FLAG).split(/\s+/).filter(Boolean),
      }),
      startBare(ctx, { name: 'bare SDK server', gcHook: true }),
    ])
    return { ours, bare }
  })()
  return main
}

async function stopMainServers(): Promise<void> {
  if (!main) return
  const { ours, bare } = await main
  main = undefined
  await Promise.all([ours.proc.kill(), bare.proc.kill()])
}

/** GET /health until it answers 200; ms from just before spawn to the answer. */
async function timeToHealth(args: string[], env: Record<string, string>, cwd: string, port: number, name: string): Promise<number> {
  const t0 = performance.now()
  const proc = spawnNode({ name, args, env: { ...env, PORT: String(port) }, cwd })
  try {
    const deadline = t0 + 30_000
    while (performance.now() < deadline) {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited before answering /health:\n${proc.stderr().slice(-2000)}`)
      if (await healthOk(port)) return performance.now() - t0
      await sleep(5)
    }
    throw new Error(`${name}: /health did not answer within 30 s`)
  } finally {
    await proc.kill()
  }
}

function healthOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 2_000 }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

export async function startupPhase(ctx: BenchContext, budgets: Budgets, fixtures: Fixtures, log: Log): Promise<Figure[]> {
  log(`startup: ${budgets.startupRuns} cold starts of each server to the first /health answer`)
  const times = { ours: [] as number[], bare: [] as number[] }
  for (let i = 0; i < budgets.startupRuns; i++) {
    for (const which of i % 2 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) {
      const port = await freePort()
      if (which === 'ours') {
        // The built-in demo address book: the time to /health does not depend on it (the server listens first).
        const { env, cwd } = oursEnv(ctx, {})
        times.ours.push(await timeToHealth(oursCommand(ctx), env, cwd, port, 'wechat-mcp (startup)'))
      } else {
        const { cwd } = oursEnv(ctx, {})
        times.bare.push(await timeToHealth(bareCommand(ctx), {}, cwd, port, 'bare SDK server (startup)'))
      }
    }
  }
  const startup = figure({
    id: 'startup.healthMs',
    label: 'start → first /health answer (median)',
    unit: 'ms',
    value: median(times.ours),
    baseline: median(times.bare),
    baselineLabel: 'bare server start',
    target: { kind: 'absolute', max: 1_500, text: '≤ 1,500 ms' },
    detail: { runs: times.ours.map((t) => round(t, 1)), baselineRuns: times.bare.map((t) => round(t, 1)), command: oursCommand(ctx).join(' ') },
  })

  const { ours, bare } = await mainServers(ctx, budgets, fixtures, log)
  await sleep(budgets.settleMs * 2)
  const raw = { ours: rssKb(ours.proc.pid), bare: rssKb(bare.proc.pid) }
  const gc = { ours: await rssAfterGcKb(ours.proc), bare: await rssAfterGcKb(bare.proc) }

  // Two variants, for the explanation: the built-in demo address book, and the same 5,000 contacts started by plain
  // `node` without the launch flag (V8's semi-spaces then grow to 16 MB during start-up and stay committed while idle).
  log(`startup: idle RSS variants (demo address book; plain node without ${SEMI_SPACE_FLAG})`)
  const [demo, capped] = await Promise.all([
    startOurs(ctx, { name: 'wechat-mcp (demo book)', nodeFlags: [SEMI_SPACE_FLAG] }),
    startOurs(ctx, { name: 'wechat-mcp (plain node)', fixture: fixtures.get(budgets.latencyContacts), nodeFlags: [] }),
  ])
  await sleep(budgets.settleMs * 2)
  const variants = { demo: rssKb(demo.proc.pid), capped: rssKb(capped.proc.pid) }
  await Promise.all([demo.proc.kill(), capped.proc.kill()])
  const idle = figure({
    id: 'startup.idleRssMb',
    label: `idle RSS after start (${budgets.latencyContacts.toLocaleString('en')} contacts indexed)`,
    unit: 'MB',
    value: raw.ours / 1024,
    baseline: raw.bare / 1024,
    baselineLabel: 'bare server idle',
    target: { kind: 'absolute', max: 150, text: '≤ 150 MB' },
    detail: {
      contacts: budgets.latencyContacts,
      rssAfterGcMb: round(gc.ours.rssKb / 1024, 1),
      heapUsedAfterGcMb: round(gc.ours.heapUsedKb / 1024, 1),
      baselineRssAfterGcMb: round(gc.bare.rssKb / 1024, 1),
      baselineHeapUsedAfterGcMb: round(gc.bare.heapUsedKb / 1024, 1),
      demoAddressBookRssMb: round(variants.demo / 1024, 1),
    },
  })
  const idleCapped = figure({
    id: 'startup.idleRssMb.plainNode',
    label: `idle RSS, same, plain node without ${SEMI_SPACE_FLAG} (for comparison)`,
    unit: 'MB',
    value: variants.capped / 1024,
    baseline: raw.bare / 1024,
    baselineLabel: 'bare server idle',
    detail: { contacts: budgets.latencyContacts, nodeFlags: [] },
  })
  return [startup, idle, idleCapped]
}

/** Each server's callers run in turns for `rounds` rounds; the samples of all rounds are merged. */
async function alternate(parties: Array<{ clients: Parameters<typeof closedLoop>[0]; call: ToolCall }>, budget: LoopBudget): Promise<Run[]> {
  for (const p of parties) await closedLoop(p.clients, p.call, { ms: budget.warmupMs, maxCalls: budget.maxCalls })
  const runs: Run[][] = parties.map(() => [])
  const slice = { ms: budget.ms / budget.rounds, maxCalls: Math.ceil(budget.maxCalls / budget.rounds) }
  for (let r = 0; r < budget.rounds; r++) {
    // Rotate who goes first, so neither always follows the other.
    for (let k = 0; k < parties.length; k++) {
      const i = (k + r) % parties.length
      runs[i].push(await closedLoop(parties[i].clients, parties[i].call, slice))
    }
  }
  return runs.map(merge)
}

export async function latencyPhase(ctx: BenchContext, budgets: Budgets, fixtures: Fixtures, log: Log): Promise<Figure[]> {
  const { ours, bare } = await mainServers(ctx, budgets, fixtures, log)
  const figures: Figure[] = []
  for (const transport of TRANSPORTS) {
    for (const concurrency of [1, 10]) {
      const [oc, bc] = await Promise.all([connectMany(ours.url, transport, concurrency, 10), connectMany(bare.url, transport, concurrency, 10)])
      try {
        await Promise.all([findFriend(oc[0]), echo(bc[0])])
        const [o, b] = (await alternate([{ clients: oc, call: findFriend }, { clients: bc, call: echo }], budgets.latency)).map(stats)
        log(`latency ${transport} ×${concurrency}: findFriend p50 ${o.p50} ms (${o.callsPerSecond}/s) vs bare echo p50 ${b.p50} ms (${b.callsPerSecond}/s)`)
        const name = `${transportLabel(transport)}, ${concurrency} client${concurrency > 1 ? 's' : ''}`
        const base = `latency.${transport}.c${concurrency}`
        const detail = { transport, concurrency, contacts: budgets.latencyContacts, ours: o, bare: b }
        const common = { unit: 'ms', baselineLabel: `bare echo, ${concurrency}×`, detail }
        figures.push(
          figure({ id: `${base}.p50`, label: `findFriend p50, ${name}`, value: o.p50, baseline: b.p50, ...common, target: { kind: 'ratio', max: 1.3, text: '≤ 1.3× bare' } }),
          figure({ id: `${base}.p95`, label: `findFriend p95, ${name}`, value: o.p95, baseline: b.p95, ...common }),
          figure({ id: `${base}.p99`, label: `findFriend p99, ${name}`, value: o.p99, baseline: b.p99, ...common }),
          figure({ id: `${base}.callsPerSecond`, label: `findFriend calls/s, ${name}`, value: o.callsPerSecond, baseline: b.callsPerSecond, ...common, unit: '/s' }),
        )
      } finally {
        await Promise.all([closeAll(oc), closeAll(bc)])
      }
    }
  }
  return figures
}

export async function scalePhase(ctx: BenchContext, budgets: Budgets, fixtures: Fixtures, log: Log): Promise<Figure[]> {
  const [small, medium, large] = budgets.scaleContacts
  log(`scale: findFriend p50 at ${budgets.scaleContacts.map((n) => n.toLocaleString('en')).join(' / ')} contacts, one SSE client each`)
  const startSize = (n: number) =>
    n === budgets.latencyContacts
      ? mainServers(ctx, budgets, fixtures, log).then((m) => ({ server: m.ours, own: false }))
      : startOurs(ctx, { name: `wechat-mcp (${n} contacts)`, fixture: fixtures.get(n) }).then((server) => ({ server, own: true }))
  const servers = await Promise.all([small, medium, large].map(startSize))
  const clients = await Promise.all(servers.map(({ server }) => connect(server.url, 'sse')))
  try {
    await Promise.all(clients.map((c) => findFriend(c)))
    const [s, m, l] = (await alternate(clients.map((c) => ({ clients: [c], call: findFriend })), budgets.scale)).map(stats)
    log(`scale: p50 ${s.p50} / ${m.p50} / ${l.p50} ms`)
    const detail = { transport: 'sse', concurrency: 1, contacts: { [small]: s, [medium]: m, [large]: l } }
    const f = (n: number, st: typeof s, target?: boolean) =>
      figure({
        id: `scale.${n === medium ? 'medium' : 'large'}.p50`,
        label: `findFriend p50 at ${n.toLocaleString('en')} contacts`,
        unit: 'ms',
        value: st.p50,
        baseline: s.p50,
        baselineLabel: `${small.toLocaleString('en')} contacts`,
        ...(target ? { target: { kind: 'ratio' as const, max: 2, text: `≤ 2× ${small.toLocaleString('en')}` } } : {}),
        detail,
      })
    return [f(medium, m), f(large, l, true)]
  } finally {
    await closeAll(clients)
    await Promise.all(servers.filter((x) => x.own).map((x) => x.server.proc.kill()))
    await stopMainServers()
  }
}

export async function sessionsPhase(ctx: BenchContext, budgets: Budgets, log: Log): Promise<Figure[]> {
  await stopMainServers()
  const n = budgets.sessions
  const figures: Figure[] = []
  const start = () =>
    Promise.all([startOurs(ctx, { name: 'wechat-mcp (sessions)', gcHook: true }), startBare(ctx, { name: 'bare SDK server (sessions)', gcHook: true })])
  let shared = budgets.freshSessionServers ? undefined : await start()
  for (const transport of TRANSPORTS) {
    log(`sessions: ${n.toLocaleString('en')} idle ${transportLabel(transport)} sessions on ${shared ? 'one process' : 'fresh processes'} of each server`)
    const [ours, bare] = shared ?? (await start())
    const last = transport === TRANSPORTS[TRANSPORTS.length - 1]
    try {
      const measure = async (server: Server) => {
        // Open and close the same number of sessions first: what is measured is then the memory sessions hold,
        // not the one-off growth of a process's first burst of work (V8's young generation grows under
        // allocation and keeps its size; code gets compiled), which a long-running server has long been through.
        await closeAll(await connectMany(server.url, transport, n, 25))
        await sleep(budgets.sessionSettleMs)
        const before = await rssAfterGcKb(server.proc)
        const clients = await connectMany(server.url, transport, n, 25)
        try {
          await sleep(budgets.sessionSettleMs)
          const rawAfter = rssKb(server.proc.pid)
          const after = await rssAfterGcKb(server.proc)
          const health = await fetch(`${server.url}/health`).then((r) => r.json() as Promise<{ sessions?: unknown }>)
          // The young generation is per process and empty after the GC; its committed size swings by tens of MB
          // between readings, more than 1,000 sessions weigh, so it is left out of both readings.
          const settled = (r: typeof before) => r.rssKb - r.newSpaceKb
          return {
            perSessionKb: (settled(after) - settled(before)) / n,
            rssDeltaPerSessionKb: round((after.rssKb - before.rssKb) / n, 1),
            rawPerSessionKb: round((rawAfter - before.rssKb) / n, 1),
            heapPerSessionKb: round((after.heapUsedKb - before.heapUsedKb) / n, 1),
            rssBeforeMb: round(before.rssKb / 1024, 1),
            rssAfterMb: round(after.rssKb / 1024, 1),
            youngGenerationBeforeMb: round(before.newSpaceKb / 1024, 1),
            youngGenerationAfterMb: round(after.newSpaceKb / 1024, 1),
            sessionsReported: health.sessions,
          }
        } finally {
          await closeAll(clients)
        }
      }
      const o = await measure(ours)
      const b = await measure(bare)
      log(`sessions ${transport}: ${round(o.perSessionKb, 1)} KB/session vs bare ${round(b.perSessionKb, 1)} KB/session`)
      figures.push(
        figure({
          id: `sessions.${transport}.rssPerSessionKb`,
          label: `RSS per idle session, ${n.toLocaleString('en')} ${transportLabel(transport)} sessions`,
          unit: 'KB',
          value: o.perSessionKb,
          baseline: b.perSessionKb,
          baselineLabel: 'bare server, same sessions',
          target: { kind: 'absolute', max: 40, text: '≤ 40 KB' },
          detail: { transport, sessions: n, ours: { ...o, perSessionKb: round(o.perSessionKb, 1) }, bare: { ...b, perSessionKb: round(b.perSessionKb, 1) }, bareMeetsTarget: b.perSessionKb <= 40 },
        }),
      )
    } finally {
      if (!shared || last) {
        await Promise.all([ours.proc.kill(), bare.proc.kill()])
        shared = undefined
      }
    }
  }
  return figures
}

export function transportLabel(kind: TransportKind): string {
  return kind === 'sse' ? 'SSE' : 'Streamable HTTP'
}
