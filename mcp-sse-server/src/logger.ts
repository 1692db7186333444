import { Writable } from 'node:stream'
import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

/**
 * Secrets are scrubbed from the finished log line, whatever field or message they ended up in:
 * redacting known paths alone misses a token inside an error message or a URL.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  // Longest first: a secret that contains another must be scrubbed whole, not around the shorter one.
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length)
  let out = text
  for (const form of forms) out = out.split(form).join('[REDACTED]')
  return out
}

/**
 * A secret can appear raw, JSON-escaped, percent-encoded or form-encoded (spaces as "+"). Short values are not
 * scrubbed (they would mangle ordinary text).
 */
function secretForms(secret: string): string[] {
  if (!secret || secret.length < 4) return []
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]
}

export interface LoggerOptions {
  level: string
  secrets: readonly string[]
  /** Where lines go; stdout by default. */
  destination?: NodeJS.WritableStream
}

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stdout
  const secrets = options.secrets.filter((s) => s.length >= 4)
  const stream: DestinationStream = secrets.length
    ? new Writable({
        write(chunk, _enc, done) {
          target.write(redactSecrets(String(chunk), secrets))
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
