/**
 * Custom webhook, with qinglong's WEBHOOK_* variables and $title / $content placeholders.
 * Unlike the reference, every body is built by a serializer: placeholders are substituted into parsed values,
 * never spliced into JSON or form text, so quotes, newlines, "&" and "=" in a message cannot break the body.
 */
import { defineChannel } from '../channel.js'
import { deliver, status2xx, type HttpRequest } from '../http.js'
import type { ChannelEnv, NotifyMessage } from '../types.js'

const CONTENT_TYPES = ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded', 'text/plain'] as const
type ContentType = (typeof CONTENT_TYPES)[number]

/** Replaces both placeholders in one pass, so a title containing "$content" is not expanded again. */
export function fill(template: string, message: NotifyMessage, encode: (s: string) => string = (s) => s): string {
  return template.replace(/\$(title|content)/g, (_, key: 'title' | 'content') => encode(message[key]))
}

const PLACEHOLDER = /\$(?:title|content)/
/** What URL parsing takes for "." or ".." (also percent-encoded): such a path segment moves the request elsewhere. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i

/**
 * WEBHOOK_URL with the placeholders filled where they stand: a path segment stays one segment (its text
 * percent-encoded, "/" included), a query value stays one value ("&", "=", "#" included), so no title or content can
 * move the request to another path, add parameters or reach another host. Placeholders in the host, port or
 * credentials are refused. Answers an error text when the URL cannot be built.
 */
export function fillUrl(template: string, message: NotifyMessage): { url: string } | { error: string } {
  let url: URL
  try {
    url = new URL(template)
  } catch {
    return { error: 'WEBHOOK_URL is not a valid URL; give the full address, e.g. https://hooks.example.com/send?text=$title' }
  }
  if ([url.username, url.password, url.host].some((part) => PLACEHOLDER.test(part))) {
    return { error: 'WEBHOOK_URL may hold $title and $content only in its path or query, not in its host, port or credentials' }
  }
  const segments = url.pathname.split('/').map((segment) => fill(segment, message, encodeURIComponent))
  if (segments.some((segment) => DOT_SEGMENT.test(segment))) {
    return { error: 'not sent: the title or content would make a path segment of WEBHOOK_URL "." or "..", which changes the address; put $title in the query or the body instead' }
  }
  const query = url.search
    .slice(1)
    .split('&')
    .map((pair) => pair.split('=').map((part) => fill(part, message, encodeURIComponent)).join('='))
    .join('&')
  const userinfo = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ''}@` : ''
  return { url: `${url.protocol}//${userinfo}${url.host}${segments.join('/')}${query ? `?${query}` : ''}` }
}

/** WEBHOOK_HEADERS: "Key: Value" lines; keys lower-cased, repeated keys joined with ", ". */
export function parseHeaders(spec: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const line of (spec ?? '').split(/\r?\n/)) {
    const at = line.indexOf(':')
    if (at <= 0) continue
    const key = line.slice(0, at).trim().toLowerCase()
    const value = line.slice(at + 1).trim()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  return headers
}

/**
 * WEBHOOK_BODY: "key: value" pairs, a value running until the next line that starts with "key:" (so a JSON
 * value may span lines). A value that is JSON is parsed and the placeholders are filled inside its strings.
 */
export function parseBody(spec: string, message: NotifyMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  for (const m of spec.matchAll(/(\w+):\s*((?:(?!\n\w+:).)*)/gs)) {
    const raw = m[2].trim()
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      body[m[1]] = fill(raw, message)
      continue
    }
    body[m[1]] = fillDeep(parsed, message)
  }
  return body
}

function fillDeep(value: unknown, message: NotifyMessage): unknown {
  if (typeof value === 'string') return fill(value, message)
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, message))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, message)]))
  }
  return value
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
const stringify = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, asText(v)]))

export function buildWebhookRequest(env: ChannelEnv, message: NotifyMessage): HttpRequest | string {
  const urlTemplate = env.WEBHOOK_URL!.trim()
  const bodyTemplate = env.WEBHOOK_BODY ?? ''
  if (!urlTemplate.includes('$title') && !bodyTemplate.includes('$title')) {
    return 'WEBHOOK_URL or WEBHOOK_BODY must contain $title'
  }
  const contentType = (env.WEBHOOK_CONTENT_TYPE?.trim().toLowerCase() || 'application/json') as ContentType
  if (!CONTENT_TYPES.includes(contentType)) return `WEBHOOK_CONTENT_TYPE must be one of ${CONTENT_TYPES.join(', ')}`
  const method = env.WEBHOOK_METHOD!.trim().toUpperCase()
  const headers = parseHeaders(env.WEBHOOK_HEADERS)
  const filled = fillUrl(urlTemplate, message)
  if ('error' in filled) return filled.error
  const req: HttpRequest = { url: filled.url, method, headers }
  if (!bodyTemplate.trim() || method === 'GET' || method === 'HEAD') return req

  if (contentType === 'text/plain') return { ...req, text: fill(bodyTemplate, message) }
  const body = parseBody(bodyTemplate, message)
  if (contentType === 'application/json') return { ...req, json: body }
  if (contentType === 'application/x-www-form-urlencoded') return { ...req, form: stringify(body) }
  // fetch writes the multipart boundary into the content-type: a fixed one from WEBHOOK_HEADERS would break it.
  delete headers['content-type']
  return { ...req, multipart: stringify(body) }
}

/** Parts of WEBHOOK_URL shorter than this are taken for words ("hook", "send"), not keys. */
const MIN_URL_SECRET = 8

/**
 * The parts of WEBHOOK_URL that may be a key (…/send/<key>, ?key=<key>): every path segment and query value of
 * at least MIN_URL_SECRET characters, and a password, as written and decoded, with the placeholders taken out
 * (each piece between them counts on its own; a piece that is only a placeholder counts for nothing).
 */
export function urlSecrets(template: string | undefined): string[] {
  if (!template?.trim()) return []
  let url: URL
  try {
    url = new URL(template.trim())
  } catch {
    return []
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '))
    } catch {
      return s
    }
  }
  const raw = [
    url.password,
    ...url.pathname.split('/'),
    ...url.search
      .slice(1)
      .split('&')
      .map((pair) => pair.slice(pair.indexOf('=') + 1)),
  ]
  const pieces = raw.flatMap((part) => [part, decode(part)]).flatMap((part) => part.split(/\$(?:title|content)/))
  return [...new Set(pieces.filter((p) => p.trim().length >= MIN_URL_SECRET))]
}

export default defineChannel({
  id: 'webhook',
  name: 'Custom webhook',
  variables: {
    WEBHOOK_URL: { required: true, secret: true, endpoint: true, example: 'https://hooks.example.com/notify?title=$title' },
    WEBHOOK_METHOD: { required: true, example: 'POST' },
    WEBHOOK_CONTENT_TYPE: {},
    WEBHOOK_BODY: {},
    // Header values are usually credentials (Authorization, X-Api-Key…).
    WEBHOOK_HEADERS: { secret: true, example: 'Authorization: Bearer abc123secret456' },
  },
  successRule: 'HTTP 2xx',
  // Each header value on its own, and the long parts of the URL (a key in a path or a query).
  secrets: (env) => [...Object.values(parseHeaders(env.WEBHOOK_HEADERS)), ...urlSecrets(env.WEBHOOK_URL)],
  async send(message, ctx) {
    const req = buildWebhookRequest(ctx.env, message)
    if (typeof req === 'string') return { ok: false, error: req }
    return deliver(req, ctx, status2xx)
  },
})
