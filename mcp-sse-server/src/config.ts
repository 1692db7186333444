/**
 * The only reader of process.env. Everything the server can be told comes through here, is validated once,
 * and is handed out as a frozen, typed Config. Every bad variable is reported, not just the first.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { config as loadDotenv } from 'dotenv'
import * as z from 'zod'
import { configWarnings } from './config-warnings.js'
import { EVENT_TYPES as NOTIFY_EVENT_TYPES } from './notify/event.js'
import { CHANNEL_VARIABLES, SECRET_VARIABLES, channelSecrets } from './notify/registry.js'
import { OWNER_ROAD_SETTINGS, type OwnerRoadSetting } from './owner/owner-road.js'
import { CONFIRM_SENDS, CONFIRM_VIA, type ConfirmSends, type ConfirmVia } from './confirm/settings.js'

export type Env = Readonly<Record<string, string | undefined>>

export const ILINK_DEFAULT_BASE_URL = 'https://ilinkai.weixin.qq.com'

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '::1']

/**
 * Puppets this server knows how to build; any other Wechaty puppet package name (`wechaty-puppet-*`, `@scope/…`) is
 * loaded by name. `none` runs without the web road.
 */
const PUPPET_NAME = /^(mock|none|wechaty-puppet-[a-z0-9-]+|@[a-z0-9-]+\/wechaty-puppet-[a-z0-9-]+)$/

const int = (min: number, max: number) => {
  const range = `must be a whole number from ${min} to ${max}`
  return z.coerce.number({ error: range }).int({ error: range }).min(min, { error: range }).max(max, { error: range })
}
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v))
const list = (sep: RegExp = /[,\n]/) =>
  z.string().transform((v) =>
    v
      .split(sep)
      .map((s) => s.trim())
      .filter(Boolean),
  )

const schema = z.object({
  PORT: int(0, 65535).default(8083),
  HOST: z.string().min(1).default('127.0.0.1'),
  MCP_AUTH_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (try: openssl rand -hex 32)')
    .optional(),
  ALLOWED_HOSTS: list().optional(),
  ALLOWED_ORIGINS: list().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  AUDIT_MAX_MB: int(1, 1_000_000).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WECHATY_PUPPET: z
    .string()
    .regex(PUPPET_NAME, 'must be "mock", "none", "wechaty-puppet-wechat4u", "wechaty-puppet-service" or another wechaty-puppet-* package name')
    .default('wechaty-puppet-wechat4u'),
  WECHATY_PUPPET_TOKEN: z.string().optional(),
  WECHATY_PUPPET_SERVICE_TOKEN: z.string().optional(),
  WECHATY_PUPPET_SERVICE_ENDPOINT: z
    .string()
    .regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port of the gateway (e.g. 127.0.0.1:8788)')
    .optional(),
  WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT: bool.default(false),
  WECHAT_MOCK_FIXTURE: z.string().optional(),
  READ_ONLY: bool.default(false),
  WECHAT_ALLOWED_CONTACTS: list().optional(),
  CHANNEL_ENABLED: bool.default(false),
  CHANNEL_SENDERS: list().optional(),
  WECHAT_ALLOWED_ROOMS: list().optional(),
  WECHAT_SEND_MIN_INTERVAL_MS: int(0, 3_600_000).default(3000),
  WECHAT_SEND_MAX_PER_MINUTE: int(1, 1000).default(10),
  WECHAT_SEND_QUEUE_MAX: int(1, 10_000).default(20),
  WECHAT_REPEAT_WINDOW_S: int(0, 86_400).default(60),
  WECHAT_MAX_MESSAGE_CHARS: int(1, 100_000).default(2000),
  WECHAT_CONFIRM_SENDS: z.enum(CONFIRM_SENDS).default('off'),
  WECHAT_CONFIRM_VIA: z.enum(CONFIRM_VIA).default('auto'),
  WECHAT_CONFIRM_TIMEOUT_S: int(1, 86_400).default(300),
  NOTIFY_TIMEOUT_MS: int(100, 600_000).default(10_000),
  NOTIFY_EVENTS: list()
    .pipe(z.array(z.enum(NOTIFY_EVENT_TYPES)))
    .default([...NOTIFY_EVENT_TYPES]),
  WECHAT_NOTIFY_TO: z.string().trim().min(1).optional(),
  WECHAT_OWNER_ROAD: z.enum(OWNER_ROAD_SETTINGS, { error: `must be one of ${OWNER_ROAD_SETTINGS.join(', ')}` }).default('auto'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  WECHAT_MCP_URL: z.url({ protocol: /^https?$/ }).optional(),
  WECHAT_INBOX_PER_CHAT: int(1, 100_000).default(200),
  WECHAT_INBOX_MAX_TOTAL: int(1, 10_000_000).default(20_000),
  WECHAT_INBOX_MAX_MB: int(1, 4096).default(32),
  WECHAT_MAX_WAITS: int(1, 100_000).default(1000),
  WECHAT_MAX_WAIT_S: int(1, 30 * 86_400).default(7 * 86_400),
  WECHAT_WAIT_PROGRESS_S: int(1, 3600).default(30),
  WECHAT_TASK_TTL_S: int(1, 31 * 86_400).default(8 * 86_400),
  WECHAT_MAX_TASKS: int(1, 10_000).default(100),
  WECHAT_TASK_POLL_MS: int(50, 60_000).default(2000),
  WECHAT_FILE_DIRS: list(/[,\n]/).optional(),
  WECHAT_MAX_FILE_MB: int(1, 100).default(25),
  WECHAT_FILE_ALLOW_PRIVATE_URLS: bool.default(false),
  MCP_SESSION_IDLE_MS: int(1000, 7 * 86_400_000).default(30 * 60_000),
  MCP_MAX_SESSIONS: int(1, 100_000).default(1000),
  MCP_SSE_KEEPALIVE_MS: int(100, 600_000).default(15_000),
  MCP_SESSION_STREAMLESS_IDLE_MS: int(1000, 7 * 86_400_000).default(2 * 60_000),
  MCP_PING_INTERVAL_MS: int(0, 86_400_000).default(60_000),
  MCP_PING_TIMEOUT_MS: int(100, 600_000).default(20_000),
  MCP_MAX_CALLS_IN_FLIGHT: int(1, 10_000).default(16),
  MCP_MAX_CALLS_QUEUED: int(0, 100_000).default(256),
  WECHAT_REREAD_MIN_INTERVAL_S: int(1, 86_400).default(30),
  ILINK_ENABLED: bool.default(false),
  ILINK_BASE_URL: z.url({ protocol: /^https?$/ }).default(ILINK_DEFAULT_BASE_URL),
  ILINK_CDN_URL: z.url({ protocol: /^https?$/ }).default('https://novac2c.cdn.weixin.qq.com/c2c'),
  ILINK_WINDOW_HOURS: int(1, 24 * 7).default(24),
  ILINK_MAX_PER_OWNER_MESSAGE: int(1, 1000).default(10),
})

export interface Config {
  readonly port: number
  readonly host: string
  readonly authToken?: string
  readonly allowedHosts: readonly string[]
  readonly allowedOrigins: readonly string[]
  readonly dataDir: string
  /** audit.jsonl rotates before it would pass this size (AUDIT_KEEP_FILES older files are kept). */
  readonly audit: { readonly maxBytes: number }
  readonly logLevel: string
  readonly puppet: string
  readonly puppetToken?: string
  /** A token gateway's settings (WECHATY_PUPPET=wechaty-puppet-service), as Wechaty names them. */
  readonly puppetService: { readonly token?: string; readonly endpoint?: string; readonly noTlsInsecureClient: boolean }
  readonly sandbox: boolean
  readonly mockFixture?: string
  readonly readOnly: boolean
  readonly allowedContacts?: readonly string[]
  /** WeChat as a Claude Code channel: the owner's messages (and listed senders') pushed into sessions. */
  readonly channel: { readonly enabled: boolean; readonly senders: readonly string[] }
  readonly allowedRooms?: readonly string[]
  readonly send: {
    readonly minIntervalMs: number
    readonly maxPerMinute: number
    readonly queueMax: number
    readonly repeatWindowS: number
    readonly maxMessageChars: number
  }
  /** A person approves each send before it leaves (WECHAT_CONFIRM_*): which sends, who is asked, how long they have. */
  readonly confirm: { readonly sends: ConfirmSends; readonly via: ConfirmVia; readonly timeoutS: number }
  readonly notify: {
    readonly timeoutMs: number
    readonly events: readonly string[]
    readonly wechatTo?: string
    /** The channel variables that are set (qinglong/mcp-push names), nothing else from the environment. */
    readonly channelEnv: Readonly<Record<string, string>>
  }
  /** Which road the owner conversation (sendMessageToMe, waitForMyReply) takes: see owner/owner-conversation.ts. */
  readonly ownerRoad: OwnerRoadSetting
  readonly publicUrl?: string
  /** Where `wechat-mcp stdio` finds the running server's Streamable HTTP endpoint. */
  readonly serverUrl: string
  readonly inbox: { readonly perChat: number; readonly maxTotal: number; readonly maxBytes: number }
  readonly wait: { readonly maxWaitS: number; readonly progressS: number; readonly maxWaits: number }
  /** Long waits run as MCP tasks for clients that ask: per session, bounded in time and count. */
  readonly tasks: { readonly maxTtlMs: number; readonly maxTasks: number; readonly pollIntervalMs: number }
  readonly files: {
    readonly dirs: readonly string[]
    readonly maxBytes: number
    /** File URLs may point to loopback, private and link-local addresses (off: those are refused, against SSRF). */
    readonly allowPrivateUrls: boolean
  }
  readonly sessions: {
    readonly idleMs: number
    /** Idle time after which a session whose client never kept a stream open (a one-shot tool) is closed. */
    readonly streamlessIdleMs: number
    readonly max: number
    readonly keepAliveMs: number
    /** 0: never ping. */
    readonly pingIntervalMs: number
    readonly pingTimeoutMs: number
    readonly maxCallsInFlight: number
    readonly maxCallsQueued: number
  }
  /** A name that is not found re-reads the address book from WeChat at most this often. */
  readonly rereadMinIntervalMs: number
  /** WeChat's official ClawBot road (owner only). */
  readonly ilink: {
    readonly enabled: boolean
    readonly baseUrl: string
    readonly cdnUrl: string
    readonly windowHours: number
    readonly maxPerOwnerMessage: number
  }
  /** Every secret value in the configuration, for log/result scrubbing. */
  readonly secrets: readonly string[]
  /** Valid settings that are probably not what was meant, each saying what to do (logged at start). */
  readonly warnings: readonly string[]
}

/** Every variable the server itself reads (the channels declare theirs: notify/registry.ts CHANNEL_VARIABLES). */
export const SERVER_VARIABLES: readonly string[] = Object.keys(schema.shape)

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] }

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The server's own credentials; the channels declare theirs (notify/channels/, `secret: true`). */
const SERVER_SECRET_VARIABLES: ReadonlySet<string> = new Set(['MCP_AUTH_TOKEN', 'WECHATY_PUPPET_TOKEN', 'WECHATY_PUPPET_SERVICE_TOKEN'])

/**
 * Reads `.env` (from the working directory) without overriding real environment variables, then validates.
 * Pure apart from reading .env and checking that files exist: tests pass their own env.
 */
export function loadConfig(env: Env = process.env, options: { dotenv?: boolean } = {}): ConfigResult {
  const { raw, dotenvText } = readVariables(env, options.dotenv ?? env === process.env)
  const parsed = schema.safeParse(raw)
  const errors = parsed.success ? [] : parsed.error.issues.map((issue) => {
    const name = String(issue.path[0])
    return `${name}=${JSON.stringify(describeValue(name, raw[name]))}: ${issue.message}`
  })
  // Checks across variables and on the file system run even when others failed, so every problem is listed at once.
  errors.push(...crossChecks(raw, parsed.data?.WECHAT_FILE_DIRS ?? []))
  if (errors.length || !parsed.success) return { ok: false, errors }
  return { ok: true, config: toConfig(parsed.data, raw, env, dotenvText) }
}

/** The environment with `.env` under it (real variables win), empty ones dropped, and the `.env` text for its own checks. */
function readVariables(env: Env, withDotenv: boolean): { raw: Record<string, string>; dotenvText?: string } {
  const merged: Record<string, string | undefined> = { ...env }
  let dotenvText: string | undefined
  if (withDotenv) {
    const parsed = loadDotenv({ quiet: true, processEnv: {} }).parsed ?? {}
    for (const [k, v] of Object.entries(parsed)) if (merged[k] === undefined) merged[k] = v
    dotenvText = readDotenvText()
  }
  // An empty variable means "not set", as in shells and .env files.
  const raw = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
  return { raw, dotenvText }
}

/** What no single variable's schema can see: combinations that are unsafe or incomplete, and files that are not there. */
function crossChecks(raw: Record<string, string>, fileDirs: readonly string[]): string[] {
  const errors: string[] = []
  const host = raw.HOST ?? '127.0.0.1'
  if (raw.MCP_AUTH_TOKEN === undefined && !isLoopbackHost(host)) {
    errors.push(
      `HOST=${JSON.stringify(host)}: listening beyond this machine lets anyone on the network speak as you on WeChat; ` +
        'set MCP_AUTH_TOKEN to a long random value (e.g. `openssl rand -hex 32`) or use HOST=127.0.0.1',
    )
  }
  if (raw.WECHATY_PUPPET === 'wechaty-puppet-service' && !raw.WECHATY_PUPPET_SERVICE_TOKEN && !raw.WECHATY_PUPPET_TOKEN) {
    errors.push(
      'WECHATY_PUPPET="wechaty-puppet-service": a token gateway needs its token; set WECHATY_PUPPET_SERVICE_TOKEN (and WECHATY_PUPPET_SERVICE_ENDPOINT when the gateway gave you an address)',
    )
  }
  const fixture = raw.WECHAT_MOCK_FIXTURE
  if (raw.WECHATY_PUPPET === 'mock' && fixture !== undefined) {
    try {
      if (!statSync(fixture).isFile()) throw new Error('not a file')
      accessSync(fixture, constants.R_OK)
    } catch {
      errors.push(`WECHAT_MOCK_FIXTURE=${JSON.stringify(fixture)}: cannot read that file; give the path of a readable JSON fixture (see docs/configuration.md)`)
    }
  }
  for (const dir of fileDirs) {
    if (!path.isAbsolute(dir)) errors.push(`WECHAT_FILE_DIRS: "${dir}" must be an absolute path`)
  }
  return errors
}

/** The validated variables as the server's one frozen Config, with the secrets to scrub and the warnings to show. */
function toConfig(v: z.infer<typeof schema>, raw: Record<string, string>, env: Env, dotenvText: string | undefined): Config {
  const allowedHosts = v.ALLOWED_HOSTS ?? defaultAllowedHosts(v.HOST, v.PORT)
  const allowedOrigins = v.ALLOWED_ORIGINS ?? defaultAllowedOrigins(v.PORT)
  const channelEnv: Record<string, string> = {}
  for (const name of CHANNEL_VARIABLES) if (raw[name] !== undefined) channelEnv[name] = raw[name]!

  // Values scrubbed from every log line and result: whole secret variables and the secrets inside composite ones.
  const secrets = [...[...SERVER_SECRET_VARIABLES].map((name) => raw[name]), ...channelSecrets(channelEnv)].filter(
    (s): s is string => typeof s === 'string' && s.length >= 4,
  )

  const config: Config = deepFreeze({
    port: v.PORT,
    host: v.HOST,
    authToken: v.MCP_AUTH_TOKEN,
    allowedHosts,
    allowedOrigins,
    dataDir: path.resolve(v.DATA_DIR),
    audit: { maxBytes: v.AUDIT_MAX_MB * 1024 * 1024 },
    logLevel: v.LOG_LEVEL,
    puppet: v.WECHATY_PUPPET,
    puppetToken: v.WECHATY_PUPPET_TOKEN,
    puppetService: {
      token: v.WECHATY_PUPPET_SERVICE_TOKEN,
      endpoint: v.WECHATY_PUPPET_SERVICE_ENDPOINT,
      noTlsInsecureClient: v.WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT,
    },
    sandbox: v.WECHATY_PUPPET === 'mock',
    mockFixture: v.WECHAT_MOCK_FIXTURE && path.resolve(v.WECHAT_MOCK_FIXTURE),
    readOnly: v.READ_ONLY,
    allowedContacts: v.WECHAT_ALLOWED_CONTACTS,
    channel: { enabled: v.CHANNEL_ENABLED, senders: v.CHANNEL_SENDERS ?? [] },
    allowedRooms: v.WECHAT_ALLOWED_ROOMS,
    send: {
      minIntervalMs: v.WECHAT_SEND_MIN_INTERVAL_MS,
      maxPerMinute: v.WECHAT_SEND_MAX_PER_MINUTE,
      queueMax: v.WECHAT_SEND_QUEUE_MAX,
      repeatWindowS: v.WECHAT_REPEAT_WINDOW_S,
      maxMessageChars: v.WECHAT_MAX_MESSAGE_CHARS,
    },
    confirm: { sends: v.WECHAT_CONFIRM_SENDS, via: v.WECHAT_CONFIRM_VIA, timeoutS: v.WECHAT_CONFIRM_TIMEOUT_S },
    notify: {
      timeoutMs: v.NOTIFY_TIMEOUT_MS,
      events: v.NOTIFY_EVENTS,
      wechatTo: v.WECHAT_NOTIFY_TO,
      channelEnv,
    },
    ownerRoad: v.WECHAT_OWNER_ROAD,
    publicUrl: v.PUBLIC_URL?.replace(/\/+$/, ''),
    serverUrl: v.WECHAT_MCP_URL ?? `http://127.0.0.1:${v.PORT}/mcp`,
    inbox: { perChat: v.WECHAT_INBOX_PER_CHAT, maxTotal: v.WECHAT_INBOX_MAX_TOTAL, maxBytes: v.WECHAT_INBOX_MAX_MB * 1024 * 1024 },
    wait: { maxWaitS: v.WECHAT_MAX_WAIT_S, progressS: v.WECHAT_WAIT_PROGRESS_S, maxWaits: v.WECHAT_MAX_WAITS },
    tasks: { maxTtlMs: v.WECHAT_TASK_TTL_S * 1000, maxTasks: v.WECHAT_MAX_TASKS, pollIntervalMs: v.WECHAT_TASK_POLL_MS },
    files: {
      dirs: (v.WECHAT_FILE_DIRS ?? []).map((d) => path.resolve(d)),
      maxBytes: v.WECHAT_MAX_FILE_MB * 1024 * 1024,
      allowPrivateUrls: v.WECHAT_FILE_ALLOW_PRIVATE_URLS,
    },
    sessions: {
      idleMs: v.MCP_SESSION_IDLE_MS,
      streamlessIdleMs: Math.min(v.MCP_SESSION_STREAMLESS_IDLE_MS, v.MCP_SESSION_IDLE_MS),
      max: v.MCP_MAX_SESSIONS,
      keepAliveMs: v.MCP_SSE_KEEPALIVE_MS,
      pingIntervalMs: v.MCP_PING_INTERVAL_MS,
      pingTimeoutMs: v.MCP_PING_TIMEOUT_MS,
      maxCallsInFlight: v.MCP_MAX_CALLS_IN_FLIGHT,
      maxCallsQueued: v.MCP_MAX_CALLS_QUEUED,
    },
    rereadMinIntervalMs: v.WECHAT_REREAD_MIN_INTERVAL_S * 1000,
    ilink: {
      enabled: v.ILINK_ENABLED,
      baseUrl: v.ILINK_BASE_URL.replace(/\/+$/, ''),
      cdnUrl: v.ILINK_CDN_URL.replace(/\/+$/, ''),
      windowHours: v.ILINK_WINDOW_HOURS,
      maxPerOwnerMessage: v.ILINK_MAX_PER_OWNER_MESSAGE,
    },
    secrets,
    warnings: configWarnings({ env, dotenvText, raw, known: KNOWN_VARIABLES, fileDirs: (v.WECHAT_FILE_DIRS ?? []).map((d) => path.resolve(d)) }),
  })
  return config
}

const KNOWN_VARIABLES: ReadonlySet<string> = new Set([...SERVER_VARIABLES, ...CHANNEL_VARIABLES])

/** The `.env` dotenv just read (the same file: the working directory's), for the checks dotenv does not make. */
function readDotenvText(): string | undefined {
  try {
    return readFileSync(path.resolve('.env'), 'utf8')
  } catch {
    return undefined
  }
}

/** Loads the config or prints every problem and exits 1. */
export function loadConfigOrExit(env: Env = process.env): Config {
  const result = loadConfig(env)
  if (result.ok) return result.config
  process.stderr.write(
    `wechat-mcp: invalid configuration (${result.errors.length} problem${result.errors.length > 1 ? 's' : ''}):\n` +
      result.errors.map((e) => `  - ${e}\n`).join('') +
      'Fix these in the environment or in .env (every variable is listed in .env.example and docs/configuration.md).\n',
  )
  process.exit(1)
}

function defaultAllowedHosts(host: string, port: number): string[] {
  const names = ['127.0.0.1', 'localhost', '[::1]']
  if (!isLoopbackHost(host) && host !== '0.0.0.0' && host !== '::') names.push(host)
  return names.flatMap((n) => [n, `${n}:${port}`])
}

function defaultAllowedOrigins(port: number): string[] {
  return ['127.0.0.1', 'localhost', '[::1]'].map((n) => `http://${n}:${port}`)
}

/** Secret-looking values are not echoed back in config errors. */
function describeValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (SERVER_SECRET_VARIABLES.has(name) || SECRET_VARIABLES.has(name)) return '[hidden]'
  return value.length > 80 ? `${value.slice(0, 77)}...` : value
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
