/** Test doubles for the notification tests: a real HTTP server on 127.0.0.1 and a notifier built from real config. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { Writable } from 'node:stream'
import { expect } from 'vitest'
import { listenLocal } from '../helpers/listen.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger, type Logger } from '../../src/logger.js'
import { createNotifier } from '../../src/notify/notifier.js'
import type { ChannelDefinition, ChannelResult, ExtraChannel, NotifyMessage } from '../../src/notify/types.js'

export interface Captured {
  method: string
  /** Path and query as sent. */
  url: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
  json: unknown
  form: URLSearchParams
}

export type Reply = { status?: number; json?: unknown; text?: string; headers?: Record<string, string> } | 'hang'

export interface TestServer {
  origin: string
  port: number
  requests: Captured[]
  close(): Promise<void>
}

/** A server that records every request and answers with `reply` (a fixed reply or one per request). */
export async function startServer(reply: Reply | ((req: Captured, index: number) => Reply) = { json: {} }): Promise<TestServer> {
  const requests: Captured[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const u = new URL(req.url ?? '/', 'http://127.0.0.1')
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
      const captured: Captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
        json,
        form: new URLSearchParams(body),
      }
      requests.push(captured)
      const r = typeof reply === 'function' ? reply(captured, requests.length - 1) : reply
      if (r === 'hang') return
      const text = r.text ?? JSON.stringify(r.json ?? {})
      res.writeHead(r.status ?? 200, { 'content-type': r.text !== undefined ? 'text/plain' : 'application/json', ...r.headers })
      res.end(text)
    })
  })
  return { ...(await listenLocal(server)), requests }
}

const BODY_TYPES = {
  json: /^application\/json(\s*;\s*charset=utf-8)?$/i,
  form: /^application\/x-www-form-urlencoded(\s*;\s*charset=utf-8)?$/i,
}

/**
 * The request line and headers of a keyed webhook: a POST to `where` (its path, or its path and query as sent) with
 * a `body` body, and no Authorization header: the contract puts the key in the URL or the body, never a header.
 */
export function expectKeyedPost(req: Captured, where: { path: string } | { url: string }, body: keyof typeof BODY_TYPES): void {
  expect(req.method).toBe('POST')
  if ('path' in where) expect(req.path).toBe(where.path)
  else expect(req.url).toBe(where.url)
  expect(req.headers['content-type']).toMatch(BODY_TYPES[body])
  expect(req.headers.authorization).toBeUndefined()
}

/** A port with nothing listening on it: bind, note the port, close. */
export async function closedPort(): Promise<number> {
  const { port, close } = await listenLocal(createServer())
  await close()
  return port
}

export function configFrom(env: Record<string, string>): Config {
  const result = loadConfig({ NOTIFY_TIMEOUT_MS: '3000', ...env }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config
}

/** A logger whose output (after its own scrubbing) is collected in `lines`. */
export function captureLogger(config: Config, level = 'debug'): { logger: Logger; output: () => string } {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { logger: createLogger({ level, secrets: config.secrets, destination }), output: () => chunks.join('') }
}

export const silentLogger = (config: Config) => createLogger({ level: 'silent', secrets: config.secrets })

/** Encoding traps: quotes, &, =, +, #, %, newlines, non-ASCII and an emoji. */
export const MESSAGE: NotifyMessage = {
  title: '构建 "done" & ok',
  content: 'line 1\nline 2: a=b&c=d +1 #tag 100% 🚀',
}

/** Sends MESSAGE (or `message`) through one channel, through config + notifier as the server does. */
export async function sendThrough(
  channel: ChannelDefinition,
  env: Record<string, string>,
  message: NotifyMessage = MESSAGE,
): Promise<ChannelResult> {
  const config = configFrom(env)
  expect(channel.enabled(config.notify.channelEnv), `${channel.id} should be enabled by ${Object.keys(env).join(', ')}`).toBe(true)
  const notifier = createNotifier({ config, logger: silentLogger(config), channels: [channel] })
  const report = await notifier.send(message)
  expect(report.results).toHaveLength(1)
  return report.results[0]
}

export function extra(id: string, send: ExtraChannel['send']): ExtraChannel {
  return { id, send }
}

/** Every variable of a channel with the flag. */
export function flagged(c: ChannelDefinition, flag: 'required' | 'secret' | 'endpoint'): string[] {
  return Object.keys(c.variables).filter((n) => c.variables[n][flag])
}

/** The variables that make a working setup: every required one and the first set of alternatives. */
export function firstSetup(c: ChannelDefinition): string[] {
  return [...new Set([...flagged(c, 'required'), ...(c.alternatives?.[0] ?? [])])]
}

/** An endpoint variable's example moved to `origin`, its path and query kept (host:port values become host:port). */
export function atOrigin(example: string, origin: string): string {
  const local = new URL(origin)
  if (!/^https?:\/\//i.test(example)) return local.host
  const u = new URL(example)
  return `${local.origin}${u.pathname === '/' ? '' : u.pathname}${u.search}`
}

/**
 * A working setup of a channel built from its declaration alone: the examples of its first setup, and every
 * endpoint moved to `origin`, so a new channel is covered by the table-driven tests without an entry of its own.
 */
export function localEnv(c: ChannelDefinition, origin: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const n of firstSetup(c)) env[n] = c.variables[n].example!
  for (const n of flagged(c, 'endpoint')) env[n] = atOrigin(c.variables[n].example!, origin)
  return env
}
