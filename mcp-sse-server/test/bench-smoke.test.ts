/**
 * Keeps the benchmark from rotting: `bench/run.ts --quick` (every figure, tiny budgets, seconds) must finish and write
 * a results file where every figure has its value, the baseline measured in the same run, and the ratio.
 * No timing assertions: the numbers of a quick run on a busy CI box mean nothing.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NODE_TS, PACKAGE_DIR } from './helpers/server.js'

const dir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-bench-smoke-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Every figure of the table, by id. */
const EXPECTED = [
  'startup.healthMs',
  'startup.idleRssMb',
  'startup.idleRssMb.plainNode',
  ...['sse', 'streamableHttp'].flatMap((t) => [1, 10].flatMap((c) => ['p50', 'p95', 'p99', 'callsPerSecond'].map((m) => `latency.${t}.c${c}.${m}`))),
  'scale.medium.p50',
  'scale.large.p50',
  'sessions.sse.rssPerSessionKb',
  'sessions.streamableHttp.rssPerSessionKb',
  'notify.allChannels.ms',
  'notify.oneHung.ms',
  'faults.typoStorm.loopDelayMaxMs',
  'faults.typoStorm.othersP99',
  'faults.inFlight.othersP50',
  'faults.inFlight.othersP50.noLimit',
  'faults.sessionFlood.freshClientMs',
  'owner.ilinkIdle.cpuPercent',
  'owner.ilinkIdle.rssMb',
  'owner.channel.p50',
  'owner.channel.p99',
  'owner.stdio.p50',
  'owner.stdio.p99',
]

function runQuickBench(out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_TS, path.join(PACKAGE_DIR, 'bench/run.ts'), '--quick', '--runtime', 'dist', '--no-build', '--out', out], {
      cwd: PACKAGE_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code, stderr }))
  })
}

describe('bench --quick', () => {
  it('writes every figure with a value, a same-run baseline and a ratio', { timeout: 240_000 }, async () => {
    const out = path.join(dir, 'results.json')
    const { code, stderr } = await runQuickBench(out)
    expect(code, stderr).toBe(0)
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      mode: string
      machine: { cpus: number }
      figures: Array<{ id: string; label: string; unit: string; value: number; baseline: number; baselineLabel: string; ratio: number; target?: { text: string }; met?: boolean }>
    }
    expect(results.mode).toBe('quick')
    expect(results.machine.cpus).toBeGreaterThan(0)
    expect(results.figures.map((f) => f.id).sort()).toEqual([...EXPECTED].sort())
    for (const f of results.figures) {
      expect(f.label, f.id).toBeTruthy()
      expect(f.baselineLabel, f.id).toBeTruthy()
      for (const n of [f.value, f.baseline, f.ratio]) expect(Number.isFinite(n), `${f.id}: ${JSON.stringify(f)}`).toBe(true)
      expect(f.ratio, f.id).toBeCloseTo(f.value / f.baseline, 2)
      // A figure with a target says whether it was met; the timing itself is not judged here.
      if (f.target) expect(typeof f.met, f.id).toBe('boolean')
    }
  })
})
