/**
 * `npm run bench`: wechat-mcp against the bare SDK server, measured in the same run, on 127.0.0.1 only.
 * Prints a table and writes bench/results.json. `--quick` (or BENCH_QUICK=1) runs every figure in seconds with tiny
 * budgets, for the smoke test; its numbers mean nothing.
 *
 * Options: --quick · --out FILE · --runtime dist|tsx (default: dist in a full run, tsx in a quick one) ·
 * --no-build (use the existing dist/) · --only startup,latency,scale,sessions,notify,faults,owner
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { writeAddressBook } from './lib/fixture.js'
import { killAllChildren, PACKAGE_DIR, type Runtime } from './lib/proc.js'
import { machine, table, type Figure } from './lib/report.js'
import { buildBare, type BenchContext } from './lib/servers.js'
import { latencyPhase, scalePhase, sessionsPhase, startupPhase, type Budgets } from './lib/phases.js'
import { notifyPhase } from './lib/notify.js'
import { channelPhase, ilinkIdlePhase, stdioPhase, type OwnerBudgets } from './lib/owner.js'
import { floodPhase, typoStormPhase, type FaultBudgets } from './lib/faults.js'

const PHASES = ['startup', 'latency', 'scale', 'sessions', 'notify', 'faults', 'owner'] as const
type Phase = (typeof PHASES)[number]

const FULL: Budgets = {
  startupRuns: 5,
  latencyContacts: 5_000,
  latency: { warmupMs: 700, ms: 4_000, rounds: 4, maxCalls: 200_000 },
  scaleContacts: [500, 5_000, 50_000],
  scale: { warmupMs: 500, ms: 3_000, rounds: 3, maxCalls: 100_000 },
  sessions: 1_000,
  freshSessionServers: true,
  sessionSettleMs: 6_000,
  settleMs: 1_000,
  notify: { delayMs: 200, timeoutMs: 1_000, runs: 5, strict: true },
}
const FULL_FAULTS: FaultBudgets = { typoContacts: 50_000, windowMs: 4_000, typoClients: 4, otherClients: 2, inFlight: 200, sessionCap: 50, floodTimesCap: 10 }
const FULL_OWNER: OwnerBudgets = { idleMs: 15_000, holdMs: 2_000, channelRuns: 200, stdio: { warmupMs: 500, ms: 4_000, rounds: 4, maxCalls: 50_000 } }
const QUICK_OWNER: OwnerBudgets = { idleMs: 300, holdMs: 2_000, channelRuns: 5, stdio: { warmupMs: 50, ms: 200, rounds: 2, maxCalls: 500 } }
const QUICK_FAULTS: FaultBudgets = { typoContacts: 400, windowMs: 300, typoClients: 2, otherClients: 1, inFlight: 40, sessionCap: 5, floodTimesCap: 3 }

const QUICK: Budgets = {
  startupRuns: 1,
  latencyContacts: 200,
  latency: { warmupMs: 50, ms: 200, rounds: 2, maxCalls: 2_000 },
  scaleContacts: [20, 200, 400],
  scale: { warmupMs: 50, ms: 150, rounds: 1, maxCalls: 1_000 },
  sessions: 20,
  freshSessionServers: false,
  sessionSettleMs: 100,
  settleMs: 100,
  notify: { delayMs: 20, timeoutMs: 3_000, runs: 1, strict: false },
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
      out: { type: 'string', default: path.join(PACKAGE_DIR, 'bench/results.json') },
      runtime: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  })
  const quick = values.quick!
  const runtime: Runtime = values.runtime === 'dist' || values.runtime === 'tsx' ? values.runtime : quick ? 'tsx' : 'dist'
  const only = new Set((values.only?.split(',').map((s) => s.trim()) ?? PHASES) as Phase[])
  const budgets = quick ? QUICK : FULL
  // The whole run is bounded too: a stuck phase ends the bench (and every child) instead of hanging.
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${quick ? 3 : 6} minutes; giving up\n`)
    killAllChildren()
    process.exit(1)
  }, (quick ? 3 : 6) * 60_000)
  watchdog.unref()

  const started = performance.now()
  const machineAtStart = machine()
  log(`wechat-mcp bench, ${quick ? 'QUICK (numbers meaningless)' : 'full'} run, servers run with ${runtime === 'dist' ? 'node dist/main.js' : 'tsx'}; load average ${(machineAtStart.loadAverage as number[]).join(' ')}`)
  if (runtime === 'dist') await build(values['no-build']!)

  const tmp = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-bench-'))
  const ctx: BenchContext = { runtime, tmp }
  const figures: Figure[] = []
  const skipped: Record<string, string> = {}
  try {
    const faults = quick ? QUICK_FAULTS : FULL_FAULTS
    const sizes = [...new Set([budgets.latencyContacts, ...budgets.scaleContacts, faults.typoContacts])]
    const fixtures = new Map(sizes.map((n) => [n, writeAddressBook(tmp, n)]))
    const phases: Record<Phase, () => Promise<Figure[]>> = {
      startup: () => startupPhase(ctx, budgets, fixtures, log),
      latency: () => latencyPhase(ctx, budgets, fixtures, log),
      scale: () => scalePhase(ctx, budgets, fixtures, log),
      sessions: () => sessionsPhase(ctx, budgets, log),
      notify: () => notifyPhase(ctx, budgets, log),
      faults: async () => [
        ...(await typoStormPhase(ctx, faults, fixtures.get(faults.typoContacts)!, log)),
        ...(await floodPhase(ctx, faults, fixtures.get(budgets.latencyContacts)!, log)),
      ],
      owner: async () => {
        const owner = quick ? QUICK_OWNER : FULL_OWNER
        return [...(await ilinkIdlePhase(ctx, owner, log)), ...(await channelPhase(ctx, owner, log)), ...(await stdioPhase(ctx, owner, fixtures.get(budgets.latencyContacts)!, log))]
      },
    }
    for (const phase of PHASES) {
      if (!only.has(phase)) continue
      const t0 = performance.now()
      const result = await phases[phase]()
      figures.push(...result)
      if (result.length === 0) skipped[phase] = 'no figures (see the log above)'
      log(`${phase}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
  } finally {
    killAllChildren()
    rmSync(tmp, { recursive: true, force: true })
  }

  const durationS = Math.round((performance.now() - started) / 100) / 10
  const results = {
    mode: quick ? 'quick' : 'full',
    runtime: runtime === 'dist' ? 'node dist/main.js serve (built JS); bare server transpiled to plain JS' : 'node --import tsx (TypeScript sources)',
    date: new Date().toISOString(),
    durationS,
    machine: { ...machineAtStart, loadAverageAtEnd: machine().loadAverage },
    budgets: { ...budgets, faults: quick ? QUICK_FAULTS : FULL_FAULTS, owner: quick ? QUICK_OWNER : FULL_OWNER },
    figures,
    ...(Object.keys(skipped).length ? { skipped } : {}),
  }
  mkdirSync(path.dirname(values.out!), { recursive: true })
  writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`)
  process.stdout.write(`\n${table(figures)}\n\n`)
  const missed = figures.filter((f) => f.met === false)
  log(`${figures.length} figures in ${durationS} s; ${missed.length ? `MISSED: ${missed.map((f) => f.id).join(', ')}` : 'every target met'}; written to ${path.relative(process.cwd(), values.out!) || values.out}`)
  clearTimeout(watchdog)
  return 0
}

/** `tsc -p tsconfig.build.json`, so the numbers are those of what `npm start` runs. */
async function build(skip: boolean): Promise<void> {
  const main = path.join(PACKAGE_DIR, 'dist/main.js')
  if (!(skip && existsSync(main))) {
    log('building dist/ (tsc -p tsconfig.build.json)…')
    const before = Date.now()
    const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc')
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PACKAGE_DIR, encoding: 'utf8' })
    // tsc still emits on type errors; what matters here is a fresh dist/main.js.
    if (result.status !== 0) {
      if (!existsSync(main) || statSync(main).mtimeMs < before - 1000) throw new Error(`build failed:\n${result.stdout}${result.stderr}`)
      log(`warning: tsc reported type errors (dist/ was emitted anyway):\n${result.stdout.trim()}`)
    }
  }
  await buildBare()
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    killAllChildren()
    process.exit(1)
  },
)
