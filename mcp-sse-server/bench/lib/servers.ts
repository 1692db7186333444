/** Starting the two servers under test: wechat-mcp (sandbox WeChat) and the bare SDK server. */
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { nodeArgs, PACKAGE_DIR, spawnNode, type Proc, type Runtime } from './proc.js'

export interface Server {
  proc: Proc
  url: string
  port: number
}

export interface BenchContext {
  runtime: Runtime
  /** A temp dir for data dirs and fixtures; removed by the caller. */
  tmp: string
}

const OURS = { dist: path.join(PACKAGE_DIR, 'dist/main.js'), ts: path.join(PACKAGE_DIR, 'src/main.ts') }
const BARE_TS = path.join(PACKAGE_DIR, 'bench/bare-server.ts')
const BARE_JS = path.join(PACKAGE_DIR, 'bench/.build/bare-server.mjs')
const BARE = { dist: BARE_JS, ts: BARE_TS }

export interface OursOptions {
  name: string
  /** Sandbox address book file; the built-in demo book when absent. */
  fixture?: string
  env?: Record<string, string>
  gcHook?: boolean
  /** Extra flags for node (profiling: --cpu-prof). */
  nodeFlags?: string[]
  /** Wait until the address book is indexed (findFriend answers from it). */
  waitIndexed?: boolean
  port?: number
}

/** The environment of every wechat-mcp child: sandbox WeChat, loopback only, no pacing, room for 1,000+ sessions. */
export function oursEnv(ctx: BenchContext, options: Pick<OursOptions, 'fixture' | 'env' | 'port'>): { env: Record<string, string>; cwd: string } {
  const dataDir = mkdtempSync(path.join(ctx.tmp, 'data-'))
  return {
    cwd: dataDir,
    env: {
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      WECHATY_PUPPET: 'mock',
      ...(options.fixture ? { WECHAT_MOCK_FIXTURE: options.fixture } : {}),
      MCP_MAX_SESSIONS: '5000',
      WECHAT_SEND_MIN_INTERVAL_MS: '0',
      WECHAT_SEND_MAX_PER_MINUTE: '1000',
      ...options.env,
    },
  }
}

export async function startOurs(ctx: BenchContext, options: OursOptions): Promise<Server> {
  const { env, cwd } = oursEnv(ctx, options)
  const proc = spawnNode({ name: options.name, args: [...nodeArgs(ctx.runtime, OURS, { gcHook: options.gcHook, nodeFlags: options.nodeFlags }), 'serve'], env, cwd })
  const listening = await proc.waitForLog((l) => l.msg === 'wechat-mcp listening', 60_000)
  if (options.waitIndexed ?? true) await proc.waitForLog((l) => l.msg === 'address book indexed', 180_000)
  const port = Number(listening.port)
  return { proc, port, url: `http://127.0.0.1:${port}` }
}

export function oursCommand(ctx: BenchContext): string[] {
  return [...nodeArgs(ctx.runtime, OURS), 'serve']
}

export function bareCommand(ctx: BenchContext, options: { gcHook?: boolean; nodeFlags?: string[] } = {}): string[] {
  return nodeArgs(ctx.runtime, BARE, options)
}

export async function startBare(ctx: BenchContext, options: { name: string; gcHook?: boolean; nodeFlags?: string[]; env?: Record<string, string> }): Promise<Server> {
  const cwd = mkdtempSync(path.join(ctx.tmp, 'bare-'))
  const proc = spawnNode({ name: options.name, args: bareCommand(ctx, options), env: { PORT: '0', ...options.env }, cwd })
  const listening = await proc.waitForLog((l) => l.msg === 'bare listening', 60_000)
  const port = Number(listening.port)
  return { proc, port, url: `http://127.0.0.1:${port}` }
}

/**
 * The bare server compiled to plain JS (type stripping only, as tsc would emit it), so that in a `dist` run both
 * servers run as plain `node file.js` with no loader in the process.
 */
export async function buildBare(): Promise<void> {
  const { default: ts } = await import('typescript')
  const fresh = (() => {
    try {
      return statSync(BARE_JS).mtimeMs >= statSync(BARE_TS).mtimeMs
    } catch {
      return false
    }
  })()
  if (fresh) return
  const out = ts.transpileModule(readFileSync(BARE_TS, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    fileName: BARE_TS,
  })
  mkdirSync(path.dirname(BARE_JS), { recursive: true })
  writeFileSync(BARE_JS, out.outputText)
}
