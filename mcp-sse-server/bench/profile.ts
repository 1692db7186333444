/**
 * `npx tsx bench/profile.ts [sse|streamableHttp] [clients] [seconds]`: CPU profiles of wechat-mcp (findFriend) and
 * the bare server (echo) under the same closed-loop load, written to bench/profiles/, then a summary of where each
 * spends its time by package. How the figures in docs/benchmarks.md were explained.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeAddressBook } from './lib/fixture.js'
import { closeAll, closedLoop, connectMany, stats, type TransportKind } from './lib/load.js'
import { findFriend, echo } from './lib/phases.js'
import { pathToFileURL } from 'node:url'
import { killAllChildren, PACKAGE_DIR } from './lib/proc.js'
import { startBare, startOurs, type BenchContext } from './lib/servers.js'

const transport = (process.argv[2] ?? 'streamableHttp') as TransportKind
const clients = Number(process.argv[3] ?? 10)
const seconds = Number(process.argv[4] ?? 5)
const outDir = path.join(PACKAGE_DIR, 'bench/profiles')

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }

function summarize(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] }
  const total = profile.samples.length
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, number>()
  for (const node of profile.nodes) {
    const url = node.callFrame.url
    const pkg = url.includes('node_modules/')
      ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/')
      : url.startsWith('node:')
        ? 'node core'
        : url
          ? path.relative(PACKAGE_DIR, url.replace('file://', ''))
          : `(${node.callFrame.functionName || 'native'})`
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.hitCount)
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${pkg}:${node.callFrame.lineNumber + 1}`
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.hitCount)
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n')
  return `${total} samples\nby package (self time):\n${top(byPackage, 15)}\nby function (self time):\n${top(byFunction, 25)}`
}

async function main() {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const tmp = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-profile-'))
  const ctx: BenchContext = { runtime: 'dist', tmp }
  try {
    const fixture = writeAddressBook(tmp, 5_000)
    for (const which of ['ours', 'bare'] as const) {
      const file = path.join(outDir, `${which}-${transport}-${clients}.cpuprofile`)
      const flags = ['--import', pathToFileURL(path.join(PACKAGE_DIR, 'bench/lib/prof-hook.mjs')).href]
      const env = { BENCH_PROFILE_OUT: file }
      const server =
        which === 'ours'
          ? await startOurs(ctx, { name: 'ours', fixture, nodeFlags: flags, env })
          : await startBare(ctx, { name: 'bare', nodeFlags: flags, env })
      const cs = await connectMany(server.url, transport, clients)
      const call = which === 'ours' ? findFriend : echo
      await closedLoop(cs, call, { ms: 1_000, maxCalls: 1e6 })
      let mark = server.proc.logs().length
      server.proc.child.kill('SIGUSR2')
      await server.proc.waitForLog((l) => l.msg === 'bench profile started', 10_000, mark)
      const s = stats(await closedLoop(cs, call, { ms: seconds * 1000, maxCalls: 1e6 }))
      mark = server.proc.logs().length
      server.proc.child.kill('SIGUSR2')
      await server.proc.waitForLog((l) => l.msg === 'bench profile written', 10_000, mark)
      await closeAll(cs)
      await server.proc.kill()
      console.log(`\n=== ${which}: ${transport} ×${clients}: p50 ${s.p50} ms, ${s.callsPerSecond} calls/s; ${path.relative(PACKAGE_DIR, file)}\n${summarize(file)}`)
    }
  } finally {
    killAllChildren()
    rmSync(tmp, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); killAllChildren(); process.exit(1) })
