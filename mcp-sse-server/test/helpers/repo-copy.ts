/** Temp copies of the repository, for tests that build and run it the way PM2 or a Docker image would. */
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { PACKAGE_DIR, tempDir } from './server.js'

export const REPO_DIR = path.resolve(PACKAGE_DIR, '..')
export const REPO_NODE_MODULES = realpathSync(path.join(REPO_DIR, 'node_modules'))
/** npm puts a workspace's dependencies here when they cannot be hoisted (another version at the root). */
const PACKAGE_NODE_MODULES = path.join(PACKAGE_DIR, 'node_modules')

/** The repository's files as a clone (with local edits) has them: tracked and untracked-but-not-ignored. */
export function copyRepo(prefix = 'wechat-mcp-repo-'): string {
  const dir = tempDir(prefix)
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_DIR, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean)
  for (const file of files) {
    const target = path.join(dir, file)
    mkdirSync(path.dirname(target), { recursive: true })
    try {
      copyFileSync(path.join(REPO_DIR, file), target)
    } catch (err) {
      // A file deleted in the working tree but still tracked.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  return dir
}

/** The installed dependencies, shared read-only (npm ci in every test would take minutes). */
export function linkNodeModules(dir: string): void {
  symlinkSync(REPO_NODE_MODULES, path.join(dir, 'node_modules'), 'dir')
  if (existsSync(PACKAGE_NODE_MODULES)) symlinkSync(realpathSync(PACKAGE_NODE_MODULES), path.join(dir, 'mcp-sse-server', 'node_modules'), 'dir')
}

export interface CommandResult {
  code: number | null
  output: string
}

/** Runs a command to completion, bounded; output is stdout and stderr together. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; shell?: boolean }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, shell: options.shell ?? false, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${options.timeoutMs ?? 120_000} ms:\n${output}`))
    }, options.timeoutMs ?? 120_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/** Compiles the server into the copy (what `npm run build` does), with the repo's TypeScript. */
export async function buildServer(dir: string): Promise<void> {
  const tsc = path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc')
  const result = await run(process.execPath, [tsc, '-p', 'mcp-sse-server/tsconfig.build.json'], { cwd: dir, timeoutMs: 180_000 })
  if (result.code !== 0) throw new Error(`the build failed:\n${result.output}`)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Polls until `check` passes (a server coming up has no event to await from outside), bounded. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      return await check()
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms: ${String(last)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

export async function healthOk(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
  if (res.status !== 200) throw new Error(`/health answered ${res.status}`)
  return (await res.json()) as Record<string, unknown>
}
