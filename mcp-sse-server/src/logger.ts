import { Writable } from 'node:stream'
import { pino, type Logger, type DestinationStream } from 'pino'
import { prettyChunk } from './log-pretty.js'

export type { Logger }

/**
 * Secrets are scrubbed from the finished log line, whatever field or message they ended up in:
 * redacting known paths alone misses a token inside an error message or a URL. Remote ends echo secrets back
 * transformed, so each secret is also found when re-cased (a relay that upper-cases), percent- or form-encoded, and
 * base64-encoded on its own or inside a longer value (an SMTP 535 reply quoting AUTH PLAIN's "\0user\0password", an
 * "Authorization: Basic" of "user:password"): a base64 run that holds the secret at any alignment is scrubbed whole.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const scrubber = scrubberFor(secrets)
  if (!scrubber) return text
  let out = text
  if (scrubber.base64Cores.length) {
    out = out.replace(BASE64_RUN, (run) => {
      const folded = run.toLowerCase()
      return scrubber.base64Cores.some((core) => folded.includes(core)) ? REDACTED : run
    })
  }
  return replaceFolded(out, scrubber.forms)
}

const REDACTED = '[REDACTED]'
/** Characters of standard and URL-safe base64, with padding; a run shorter than a core can hold no secret. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{8,}={0,2}/g
/** Shorter base64 cores would match ordinary words by chance. */
const MIN_BASE64_CORE = 8

interface Scrubber {
  /** Every form of every secret, lower-cased, so a re-cased echo is found too. */
  forms: string[]
  base64Cores: string[]
}

const scrubbers = new Map<string, Scrubber | undefined>()

function scrubberFor(secrets: readonly string[]): Scrubber | undefined {
  const key = secrets.join('\u0000')
  if (scrubbers.has(key)) return scrubbers.get(key)
  const usable = [...new Set(secrets)].filter((s) => s && s.length >= 4)
  const scrubber = usable.length
    ? { forms: [...new Set(usable.flatMap(secretForms).map((f) => f.toLowerCase()))], base64Cores: [...new Set(usable.flatMap(base64Cores))] }
    : undefined
  // Callers pass a handful of distinct lists (the config's, a channel's); the cap only guards against a caller
  // that builds a new list for every line.
  if (scrubbers.size >= 64) scrubbers.clear()
  scrubbers.set(key, scrubber)
  return scrubber
}

/**
 * Replaces every case-insensitive occurrence of the (lower-cased) forms. Overlapping finds are merged, so a secret
 * that contains another is scrubbed whole, not around the shorter one.
 */
function replaceFolded(text: string, forms: readonly string[]): string {
  let folded = text.toLowerCase()
  // Positions must line up with the original: the few characters whose lower case is longer keep their case.
  if (folded.length !== text.length) folded = Array.from(text, (c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('')
  const found: Array<[number, number]> = []
  for (const form of forms) {
    for (let at = folded.indexOf(form); at >= 0; at = folded.indexOf(form, at + 1)) found.push([at, at + form.length])
  }
  if (found.length === 0) return text
  found.sort((a, b) => a[0] - b[0])
  let out = ''
  let done = 0
  for (const [start, end] of found) {
    if (end <= done) continue
    if (start >= done) out += text.slice(done, start) + REDACTED
    done = end
  }
  return out + text.slice(done)
}

/**
 * A secret can appear raw, JSON-escaped, percent-encoded or form-encoded (spaces as "+"), in another case, or
 * base64-encoded by itself. Short values are not scrubbed (they would mangle ordinary text).
 */
function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret)
  return [
    secret,
    secret.toUpperCase(),
    secret.toLowerCase(),
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    bytes.toString('base64'),
    bytes.toString('base64url'),
  ]
}

/**
 * What base64 of any text containing `secret` must contain, whatever comes before and after it: for each of the
 * three byte alignments, the characters that encode only bytes of the secret (standard and URL-safe alphabets).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret)
  const cores: string[] = []
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64')
    const whole = Math.floor((offset + bytes.length) / 3) * 4
    const core = encoded.slice(offset === 0 ? 0 : 4, whole)
    if (core.length < MIN_BASE64_CORE) continue
    cores.push(core.toLowerCase(), core.replace(/\+/g, '-').replace(/\//g, '_').toLowerCase())
  }
  return cores
}

/**
 * Secrets learned while running (a bot token issued at a QR login, the owner's latest context token): scrubbed from
 * every log line from the moment they are known. Keyed, so a token that is replaced stops growing the list.
 */
export class RuntimeSecrets {
  private readonly values = new Map<string, string>()

  set(key: string, value: string | undefined): void {
    if (value && value.length >= 4) this.values.set(key, value)
  }

  list(): string[] {
    return [...this.values.values()]
  }
}

export interface LoggerOptions {
  level: string
  secrets: readonly string[]
  /** Added to `secrets` as they become known. */
  runtimeSecrets?: RuntimeSecrets
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream
}

/**
 * JSON lines, except on a terminal, where a person reads them (log-pretty.ts). Secrets are scrubbed from the line
 * as written, after formatting, so what reaches the screen is exactly what was checked.
 */
export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stdout
  const pretty = options.destination === undefined && process.stdout.isTTY
  const color = pretty && (process.stdout.hasColors?.() ?? false)
  const secrets = options.secrets.filter((s) => s.length >= 4)
  const runtime = options.runtimeSecrets
  const stream: DestinationStream =
    secrets.length || runtime || pretty
      ? new Writable({
          write(chunk, _enc, done) {
            const line = pretty ? prettyChunk(String(chunk), color) : String(chunk)
            target.write(redactSecrets(line, runtime ? [...secrets, ...runtime.list()] : secrets))
            done()
          },
        })
      : (target as DestinationStream)
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'token', 'password'],
        censor: '[REDACTED]',
      },
    },
    stream,
  )
}
