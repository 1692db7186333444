/**
 * The owner-facing roads: what the iLink road's long poll costs while nobody writes, how fast an owner message
 * reaches a Claude Code channel session, and what the stdio entry (`wechat-mcp stdio`) adds to a tool call. Every
 * figure has its baseline measured in the same run; everything talks to 127.0.0.1 only (the fake iLink server
 * stands in for WeChat's).
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import * as z from 'zod'
import { FakeIlink } from '../../test/helpers/fake-ilink.js'
import { closeAll, closedLoop, connect, merge, percentile, round, stats, type Run } from './load.js'
import { findFriend, type LoopBudget, type Log } from './phases.js'
import { nodeArgs, PACKAGE_DIR, rssKb, sleep } from './proc.js'
import { figure, type Figure } from './report.js'
import { startOurs, type BenchContext } from './servers.js'

export interface OwnerBudgets {
  /** The idle window over which CPU time is counted. */
  idleMs: number
  /** Long-poll hold of the fake iLink server (WeChat's is about 35 s). */
  holdMs: number
  /** Owner messages timed to the channel notification. */
  channelRuns: number
  stdio: LoopBudget
}

/**
 * CPU time a process has run so far, all its threads, in ms. Linux's schedstat counts nanoseconds, where
 * /proc/<pid>/stat counts 10 ms ticks: an idle server does a few ms of work in a window, which ticks round to 0.
 */
function cpuMs(pid: number): number {
  let ns = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e6
}

/** (1) The iLink road logged in and long-polling the fake server, against the same server with the road off. */
export async function ilinkIdlePhase(ctx: BenchContext, budgets: OwnerBudgets, log: Log): Promise<Figure[]> {
  const fake = await FakeIlink.start({ holdMs: budgets.holdMs })
  try {
    log(`owner: iLink road idle cost, ${budgets.idleMs} ms window, long poll held ${budgets.holdMs} ms by the fake iLink server`)
    const [on, off] = await Promise.all([
      startOurs(ctx, { name: 'wechat-mcp (iLink on)', env: { ILINK_ENABLED: 'true', ILINK_BASE_URL: fake.url, ILINK_CDN_URL: fake.cdnUrl } }),
      startOurs(ctx, { name: 'wechat-mcp (iLink off)' }),
    ])
    const state = (status: string) => on.proc.waitForLog((l) => l.msg === 'ilink road state' && l.status === status, 30_000)
    await state('waiting_for_scan')
    fake.scan()
    await state('scanned')
    fake.confirm()
    await state('logged_in')
    await fake.waitForRequest('/ilink/bot/getupdates')
    await sleep(Math.min(1_000, budgets.idleMs))
    const polls0 = fake.count('/ilink/bot/getupdates')
    const before = { on: cpuMs(on.proc.pid), off: cpuMs(off.proc.pid), t: performance.now() }
    await sleep(budgets.idleMs)
    const windowMs = performance.now() - before.t
    const cpu = { on: cpuMs(on.proc.pid) - before.on, off: cpuMs(off.proc.pid) - before.off }
    const rss = { on: rssKb(on.proc.pid), off: rssKb(off.proc.pid) }
    const polls = fake.count('/ilink/bot/getupdates') - polls0
    await Promise.all([on.proc.kill(), off.proc.kill()])
    if (fake.violations.length) throw new Error(`the fake iLink server saw bad requests: ${fake.violations.join('; ')}`)
    log(`owner: iLink idle CPU ${round(cpu.on, 1)} ms vs ${round(cpu.off, 1)} ms road off over ${round(windowMs, 0)} ms; ${polls} long polls`)
    const detail = { windowMs: round(windowMs, 0), cpuMs: round(cpu.on, 2), baselineCpuMs: round(cpu.off, 2), longPolls: polls, holdMs: budgets.holdMs }
    return [
      figure({
        id: 'owner.ilinkIdle.cpuPercent',
        label: 'iLink road idle: CPU (long poll running, nobody writing)',
        // µs of CPU per second of wall time: 10,000 is 1 % of a core.
        unit: 'µs CPU/s',
        value: (floor(cpu.on) * 1000) / (windowMs / 1000),
        baseline: (floor(cpu.off) * 1000) / (windowMs / 1000),
        baselineLabel: 'same server, road off',
        target: { kind: 'absolute', max: 10_000, text: '≤ 10,000 µs/s (1 % of a core)' },
        detail,
      }),
      figure({
        id: 'owner.ilinkIdle.rssMb',
        label: 'iLink road idle: RSS',
        unit: 'MB',
        value: rss.on / 1024,
        baseline: rss.off / 1024,
        baselineLabel: 'same server, road off',
        detail,
      }),
    ]
  } finally {
    await fake.close()
  }
}

/**
 * An idle process may not run at all in a short window (a quick run's 300 ms): 0 has no ratio, so CPU time below the
 * counter's resolution reads as that resolution (1 µs). Full runs measure milliseconds and are never floored.
 */
function floor(ms: number): number {
  return Math.max(ms, 0.001)
}

const ChannelEvent = z.object({
  method: z.literal('notifications/claude/channel'),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }).loose(),
})

/**
 * (3) Owner message → channel notification at the client. The owner speaks through the sandbox (`POST
 * /sandbox/messages {"from":"me"}`, the File Transfer road); the baseline is that POST's own round trip (the inbound
 * event taken in and acknowledged), so "added" is what the channel path costs on top of the event itself.
 */
export async function channelPhase(ctx: BenchContext, budgets: OwnerBudgets, log: Log): Promise<Figure[]> {
  log(`owner: owner message → channel notification, ${budgets.channelRuns} messages, one Streamable HTTP session`)
  const ours = await startOurs(ctx, { name: 'wechat-mcp (channel)', env: { CHANNEL_ENABLED: 'true' } })
  const client = new Client({ name: 'bench-channel', version: '1.0.0' })
  try {
    let onEvent: ((content: string) => void) | undefined
    client.setNotificationHandler(ChannelEvent, ({ params }) => onEvent?.(params.content))
    const after = ours.proc.logs().length
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', ours.url)))
    await ours.proc.waitForLog((l) => l.msg === 'channel session joined', 30_000, after)
    const notified: number[] = []
    const acked: number[] = []
    for (let i = 0; i < budgets.channelRuns; i++) {
      const content = `bench ${i}`
      const event = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no channel event for "${content}" within 10 s`)), 10_000)
        onEvent = (c) => {
          if (c !== content) return
          clearTimeout(timer)
          resolve(performance.now())
        }
      })
      const t0 = performance.now()
      const res = await fetch(`${ours.url}/sandbox/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'me', text: content }) })
      await res.text()
      if (res.status !== 200) throw new Error(`POST /sandbox/messages answered ${res.status}`)
      acked.push(performance.now() - t0)
      notified.push((await event) - t0)
    }
    const sorted = { n: [...notified].sort((a, b) => a - b), a: [...acked].sort((a, b) => a - b) }
    const p = (q: number) => ({ value: percentile(sorted.n, q), baseline: percentile(sorted.a, q) })
    const detail = { messages: notified.length, notifiedP50: round(p(50).value), notifiedP99: round(p(99).value), ackP50: round(p(50).baseline), ackP99: round(p(99).baseline) }
    log(`owner: channel notification p50 ${detail.notifiedP50} ms, p99 ${detail.notifiedP99} ms; the POST's own round trip p50 ${detail.ackP50} ms, p99 ${detail.ackP99} ms`)
    return ([50, 99] as const).map((q) =>
      figure({
        id: `owner.channel.p${q}`,
        label: `owner message → channel notification, p${q} (value: time added over the inbound event)`,
        unit: 'ms',
        value: Math.max(0, p(q).value - p(q).baseline),
        baseline: p(q).baseline,
        baselineLabel: 'POST /sandbox/messages round trip',
        target: { kind: 'absolute', max: 10, text: '≤ 10 ms added' },
        detail,
      }),
    )
  } finally {
    await client.close().catch(() => undefined)
    await ours.proc.kill()
  }
}

/** (4) findFriend through `wechat-mcp stdio` against the same call straight over Streamable HTTP, same server and address book. */
export async function stdioPhase(ctx: BenchContext, budgets: OwnerBudgets, fixture: string, log: Log): Promise<Figure[]> {
  log('owner: tool-call overhead of the stdio entry vs direct Streamable HTTP (findFriend, one client each)')
  const ours = await startOurs(ctx, { name: 'wechat-mcp (stdio target)', fixture })
  const main = { dist: path.join(PACKAGE_DIR, 'dist/main.js'), ts: path.join(PACKAGE_DIR, 'src/main.ts') }
  const bridged = new Client({ name: 'bench-stdio', version: '1.0.0' })
  const direct = await connect(ours.url, 'streamableHttp')
  try {
    await bridged.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...nodeArgs(ctx.runtime, main), 'stdio', '--name', 'bench'],
        cwd: ctx.tmp,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', WECHAT_MCP_URL: `${ours.url}/mcp` },
        stderr: 'ignore',
      }),
    )
    await Promise.all([findFriend(bridged), findFriend(direct)])
    const b = budgets.stdio
    for (const c of [bridged, direct]) await closedLoop([c], findFriend, { ms: b.warmupMs, maxCalls: b.maxCalls })
    const runs: Run[][] = [[], []]
    const slice = { ms: b.ms / b.rounds, maxCalls: Math.ceil(b.maxCalls / b.rounds) }
    for (let r = 0; r < b.rounds; r++) {
      // A B, then B A: a burst of load elsewhere falls on both.
      const order = r % 2 ? [1, 0] : [0, 1]
      for (const i of order) runs[i].push(await closedLoop([[bridged, direct][i]], findFriend, slice))
    }
    const [s, d] = runs.map(merge).map(stats)
    log(`owner: findFriend through stdio p50 ${s.p50} ms vs direct HTTP p50 ${d.p50} ms`)
    const detail = { stdio: s, direct: d }
    return [
      figure({ id: 'owner.stdio.p50', label: 'findFriend p50 through `wechat-mcp stdio`', unit: 'ms', value: s.p50, baseline: d.p50, baselineLabel: 'direct Streamable HTTP', target: { kind: 'ratio', max: 1.3, text: '≤ 1.3× direct' }, detail }),
      figure({ id: 'owner.stdio.p99', label: 'findFriend p99 through `wechat-mcp stdio`', unit: 'ms', value: s.p99, baseline: d.p99, baselineLabel: 'direct Streamable HTTP', detail }),
    ]
  } finally {
    await bridged.close().catch(() => undefined)
    await closeAll([direct])
    await ours.proc.kill()
  }
}
