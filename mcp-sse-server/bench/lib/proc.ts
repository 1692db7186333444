/**
 * Child processes of the bench: wechat-mcp and the bare SDK server, on 127.0.0.1 only. Every child is tracked and
 * killed when the bench ends, however it ends (normal exit, an exception, Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Children run in temp dirs, so the tsx loader is passed by absolute URL. */
export const TSX_LOADER = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href
const GC_HOOK = pathToFileURL(path.join(PACKAGE_DIR, 'bench/lib/gc-hook.mjs')).href

const children = new Set<ChildProcess>()

export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  children.clear()
}
process.on('exit', killAllChildren)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAllChildren()
    process.exit(130)
  })
}

export type LogLine = Record<string, unknown>

export interface Proc {
  name: string
  child: ChildProcess
  pid: number
  stdout: () => string
  stderr: () => string
  logs: () => LogLine[]
  waitForLog: (predicate: (line: LogLine) => boolean, timeoutMs?: number, after?: number) => Promise<LogLine>
  stop: () => Promise<void>
  /** SIGKILL and wait for the exit (when how it stops is not what is measured). */
  kill: () => Promise<void>
}

export interface SpawnOptions {
  name: string
  /** Arguments after `node`. */
  args: string[]
  env: Record<string, string>
  cwd: string
}

export function spawnNode({ name, args, env, cwd }: SpawnOptions): Proc {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let out = ''
  let err = ''
  const parsed: LogLine[] = []
  let partial = ''
  const waiters = new Set<() => void>()
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d
    const lines = (partial + d).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.startsWith('{')) continue
      try {
        parsed.push(JSON.parse(line) as LogLine)
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w()
  })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d.length + err.length > 200_000 ? '' : d
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => {
    children.delete(child)
    for (const w of waiters) w()
  })

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 60_000, after = 0) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = parsed.slice(after).find(predicate)
        if (hit) {
          done()
          resolve(hit)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done()
          reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}).\nstderr:\n${err.slice(-4000)}\nstdout:\n${out.slice(-4000)}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${name}: expected log line not seen within ${timeoutMs} ms.\nstderr:\n${err.slice(-4000)}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })

  return {
    name,
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    logs: () => parsed,
    waitForLog,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
      await exited
      clearTimeout(timer)
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** How a server is run: the built JS (what users run) or the TypeScript sources through tsx (no build step). */
export type Runtime = 'dist' | 'tsx'

export interface ServerCommand {
  args: string[]
}

/** `node [--expose-gc --import gc-hook] <entry>`: the GC hook only when the figure needs a forced collection. */
export function nodeArgs(runtime: Runtime, entry: { dist: string; ts: string }, options: { gcHook?: boolean; nodeFlags?: string[] } = {}): string[] {
  const args: string[] = [...(options.nodeFlags ?? [])]
  if (options.gcHook) args.push('--expose-gc', '--import', GC_HOOK)
  if (runtime === 'tsx') args.push('--import', TSX_LOADER, entry.ts)
  else args.push(entry.dist)
  return args
}

/** VmRSS of a live process, in KiB, straight from the kernel. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1])
}

/** A collection in the child (through the GC hook), then its RSS. */
export async function rssAfterGcKb(proc: Proc): Promise<{ rssKb: number; heapUsedKb: number; newSpaceKb: number }> {
  const after = proc.logs().length
  proc.child.kill('SIGUSR2')
  const line = await proc.waitForLog((l) => l.msg === 'bench gc', 15_000, after)
  // Let the freed pages go back to the kernel before reading.
  await sleep(150)
  return { rssKb: rssKb(proc.pid), heapUsedKb: Math.round(Number(line.heapUsed) / 1024), newSpaceKb: Math.round(Number(line.newSpace) / 1024) }
}

/** A free port on 127.0.0.1: the tests' helper, shared. */
export { freePort } from '../../test/helpers/repo-copy.js'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
