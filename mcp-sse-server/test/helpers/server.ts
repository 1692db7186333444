/**
 * Starts the real server as a child process (sandbox puppet, temp DATA_DIR, a free port on 127.0.0.1) and hands
 * back its URL, its output, and ways to stop it. Tests talk to it only over 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/**
 * The server and CLI as `npm start` and the package's bin run them: the built entry point. test/support/build.ts
 * brings dist/ up to date once before any suite starts, so each child skips transpiling the sources (about a second
 * of CPU per start with tsx, and the suites start a few hundred children).
 */
export const MAIN = path.join(PACKAGE_DIR, 'dist/main.js')
/** Children run in temp dirs, so tsx is passed by absolute path. For TypeScript files that are not part of the build. */
const TSX = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs')).href
export const NODE_TS = ['--import', TSX]

export interface RunningServer {
  url: string
  port: number
  dataDir: string
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Parsed JSON log lines so far. */
  logs: () => Array<Record<string, unknown>>
  auditLines: () => Array<Record<string, unknown>>
  waitForLog: (predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>
  /** The default bound for waits on this server: a multiple of how long it took to start. */
  waitMs: () => number
  /** Sends SIGTERM and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/**
 * Tests talk to 127.0.0.1 only. A test that starts the real wechat4u puppet would try WeChat's servers; its HTTP
 * client (axios) honours these, so every such request goes to a closed port on loopback instead.
 */
export const LOOPBACK_ONLY_ENV = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost,::1',
  no_proxy: '127.0.0.1,localhost,::1',
}

/** Settings that keep tests quick: no pacing unless a test asks for it. */
export const FAST_SEND_ENV = {
  WECHAT_SEND_MIN_INTERVAL_MS: '0',
  WECHAT_SEND_MAX_PER_MINUTE: '1000',
  WECHAT_SEND_QUEUE_MAX: '1000',
  WECHAT_REPEAT_WINDOW_S: '0',
}

export function tempDir(prefix = 'wechat-mcp-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix))
}

export function writeFixture(fixture: unknown, dir = tempDir()): string {
  const file = path.join(dir, 'fixture.json')
  writeFileSync(file, JSON.stringify(fixture))
  return file
}

type RunOptions = { env: Record<string, string | undefined>; cwd: string; timeoutMs?: number; as?: { uid: number; gid: number } }
type RunResult = { code: number | null; stdout: string; stderr: string }

/** Runs a TypeScript file (one that is not part of the build) in a child node to completion, with the given environment only. */
export function runTs(args: string[], options: RunOptions): Promise<RunResult> {
  return runNode([...NODE_TS, ...args], options)
}

/** Runs node with these arguments to completion, with the given environment only. */
export function runNode(args: string[], options: RunOptions): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], ...options.as })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${args.join(' ')} did not finish in ${timeoutMs} ms: ${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs the CLI to completion (for exit-code tests). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode([MAIN, ...args], {
    cwd: env.CWD ?? tempDir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...LOOPBACK_ONLY_ENV, ...env },
    timeoutMs,
  })
}

/**
 * How long a start may take before the test gives up. Generous because it is not a performance claim: a loaded
 * machine starts slowly, and a server that crashed is noticed at once anyway (its exit rejects the wait).
 */
const STARTUP_TIMEOUT_MS = 180_000
/** Waits after start-up scale with how long this start took, so a slow machine gets proportionally longer. */
const WAIT_PER_STARTUP = 10
const MIN_WAIT_MS = 20_000

export async function startServer(env: Record<string, string> = {}, options: { waitForLogin?: boolean } = {}): Promise<RunningServer> {
  const started = Date.now()
  let defaultWaitMs = STARTUP_TIMEOUT_MS
  const dataDir = env.DATA_DIR ?? tempDir()
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...LOOPBACK_ONLY_ENV,
      PORT: '0',
      HOST: '127.0.0.1',
      WECHATY_PUPPET: 'mock',
      LOG_LEVEL: 'info',
      ...FAST_SEND_ENV,
      ...env,
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  // Parsed once as they arrive: waiters look through them on every chunk, and a busy server writes many.
  const parsed: Array<Record<string, unknown>> = []
  let partial = ''
  const waiters = new Set<() => void>()
  child.stdout!.on('data', (d) => {
    out += d
    const lines = (partial + d).split('\n')
    partial = lines.pop()!
    for (const line of lines) if (line.startsWith('{')) parsed.push(parseLine(line))
    for (const w of waiters) w()
  })
  child.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))

  const logs = () => [...parsed]

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = defaultWaitMs) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = parsed.find(predicate)
        if (hit) {
          cleanup()
          resolve(hit)
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`log line not seen within ${timeoutMs} ms.\nstdout:\n${out}\nstderr:\n${err}`))
      }, timeoutMs)
      const onExit = () => {
        cleanup()
        reject(new Error(`server exited.\nstdout:\n${out}\nstderr:\n${err}`))
      }
      const cleanup = () => {
        clearTimeout(timer)
        waiters.delete(check)
        child.off('exit', onExit)
      }
      waiters.add(check)
      child.once('exit', onExit)
      check()
    })

  const listening = await waitForLog((l) => l.msg === 'wechat-mcp listening')
  const port = listening.port as number
  if (options.waitForLogin ?? true) await waitForLog((l) => l.msg === 'address book indexed')
  defaultWaitMs = Math.max(MIN_WAIT_MS, WAIT_PER_STARTUP * (Date.now() - started))
  const server: RunningServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    child,
    stdout: () => out,
    stderr: () => err,
    waitMs: () => defaultWaitMs,
    logs,
    waitForLog,
    auditLines: () => {
      const file = path.join(dataDir, 'audit.jsonl')
      if (!existsSync(file)) return []
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      return exited
    },
  }
  return server
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>
  } catch {
    return {}
  }
}
