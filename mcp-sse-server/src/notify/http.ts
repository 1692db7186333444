/**
 * The one HTTP helper every channel uses: a hard timeout per request, an optional proxy, bodies built by
 * serializers (never by string concatenation), replies parsed leniently, and errors that never carry a secret.
 */
import { fetch, FormData, ProxyAgent } from 'undici'
import { redactSecrets } from '../logger.js'
import type { SendOutcome } from './types.js'

export interface HttpRequest {
  url: string | URL
  method?: string
  headers?: Record<string, string>
  /** Serialized with JSON.stringify, content-type application/json. */
  json?: unknown
  /** Serialized with URLSearchParams, content-type application/x-www-form-urlencoded. */
  form?: Record<string, string> | URLSearchParams
  /** multipart/form-data; fetch sets the boundary. */
  multipart?: Record<string, string>
  /** Sent as is; give the content-type in headers (defaults to text/plain; charset=utf-8). */
  text?: string
  /** `http://[user:pass@]host:port`: requests go through an HTTP CONNECT proxy. */
  proxy?: string
}

export interface RequestContext {
  signal: AbortSignal
  timeoutMs: number
  secrets: readonly string[]
}

export interface HttpReply {
  status: number
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown
}

export type HttpResult = { ok: true; reply: HttpReply } | { ok: false; error: string }

/** Decides a reply: undefined = accepted, otherwise why not (will be redacted). */
export type Judge = (reply: HttpReply) => string | undefined

export async function httpRequest(req: HttpRequest, ctx: RequestContext): Promise<HttpResult> {
  const url = String(req.url)
  // The URL itself (it may hold a key in its path or query) is redacted from whatever the error says.
  const secrets = [...ctx.secrets, url, urlTail(url)]
  const timeout = AbortSignal.timeout(ctx.timeoutMs)
  const signal = AbortSignal.any([ctx.signal, timeout])
  let dispatcher: ProxyAgent | undefined
  try {
    if (req.proxy) dispatcher = new ProxyAgent(req.proxy)
    const { body, contentType } = buildBody(req)
    const headers: Record<string, string> = { ...(contentType ? { 'content-type': contentType } : {}), ...req.headers }
    const res = await fetch(url, { method: req.method ?? 'POST', headers, body, signal, dispatcher, redirect: 'follow' })
    const text = await res.text()
    return { ok: true, reply: { status: res.status, text, json: parseJson(text) } }
  } catch (err) {
    const why = timeout.aborted
      ? `timed out after ${ctx.timeoutMs} ms`
      : ctx.signal.aborted
        ? 'aborted: the channel deadline passed'
        : `request failed: ${describeError(err)}`
    return { ok: false, error: redactSecrets(why, secrets) }
  } finally {
    dispatcher?.destroy().catch(() => {})
  }
}

/** Sends and judges; the one path from a request to a channel outcome. Never throws. */
export async function deliver(req: HttpRequest, ctx: RequestContext, judge: Judge): Promise<SendOutcome> {
  const result = await httpRequest(req, ctx)
  if (!result.ok) return { ok: false, error: result.error }
  const { reply } = result
  let why: string | undefined
  try {
    why = judge(reply)
  } catch (err) {
    why = `unexpected response (${describeError(err)}): ${snippet(reply.text)}`
  }
  if (why === undefined) return { ok: true, status: reply.status }
  const url = String(req.url)
  return { ok: false, status: reply.status, error: redactSecrets(`HTTP ${reply.status}: ${why}`, [...ctx.secrets, url, urlTail(url)]) }
}

/**
 * A rule on the JSON body: `accept` true = delivered; otherwise the text from `explain` (or the body) is the error.
 * A body that is not a JSON object is a failure, never a crash.
 */
export function jsonRule(
  accept: (body: Record<string, unknown>) => boolean,
  explain?: (body: Record<string, unknown>) => unknown,
): Judge {
  return (reply) => {
    const body = reply.json
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return `response is not a JSON object: ${snippet(reply.text)}`
    }
    const record = body as Record<string, unknown>
    if (accept(record)) return undefined
    const told = explain?.(record)
    return typeof told === 'string' && told ? told : snippet(reply.text)
  }
}

/** Accepted on any 2xx status. */
export const status2xx: Judge = (reply) =>
  reply.status >= 200 && reply.status < 300 ? undefined : snippet(reply.text) || 'no body'

/** A short, single-line excerpt of a body for error texts. */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}

/** `https://x/y/z?q` → `/y/z?q`: the part of a URL that usually holds the key. */
function urlTail(url: string): string {
  try {
    const u = new URL(url)
    return u.pathname.length > 1 || u.search ? u.pathname + u.search : ''
  } catch {
    return ''
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function buildBody(req: HttpRequest): { body?: string | FormData; contentType?: string } {
  if (req.json !== undefined) return { body: JSON.stringify(req.json), contentType: 'application/json; charset=utf-8' }
  if (req.form !== undefined) {
    const params = req.form instanceof URLSearchParams ? req.form : new URLSearchParams(req.form)
    return { body: params.toString(), contentType: 'application/x-www-form-urlencoded;charset=utf-8' }
  }
  if (req.multipart !== undefined) {
    const form = new FormData()
    for (const [k, v] of Object.entries(req.multipart)) form.append(k, v)
    return { body: form }
  }
  if (req.text !== undefined) return { body: req.text, contentType: 'text/plain; charset=utf-8' }
  return {}
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const cause = (err as { cause?: unknown }).cause
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code
    return `${err.message}: ${code && !cause.message.includes(code) ? `${code} ` : ''}${cause.message}`
  }
  return err.message
}

/**
 * An origin override (DD_ORIGIN…): scheme+host+port only, the path stays the channel's own.
 * A malformed override fails the send rather than silently falling back to the public service.
 */
export function originOf(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): string {
  const override = env[name]?.trim()
  if (!override) return fallback
  const withScheme = /^https?:\/\//i.test(override) ? override : `https://${override}`
  try {
    return new URL(withScheme).origin
  } catch {
    throw new Error(`${name} is not a valid origin (expected e.g. https://relay.example.com)`)
  }
}

/** A base URL variable used as a prefix (qinglong's TG_API_HOST, QYWX_ORIGIN…): no trailing slash. */
export function baseOf(value: string | undefined, fallback: string): string {
  const v = value?.trim() || fallback
  const withScheme = /^https?:\/\//i.test(v) ? v : `https://${v}`
  return withScheme.replace(/\/+$/, '')
}

/** HTML text escaping, for channels whose content is rendered as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
