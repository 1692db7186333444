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

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stdout
  const secrets = options.secrets.filter((s) => s.length >= 4)
  const runtime = options.runtimeSecrets
  const stream: DestinationStream =
    secrets.length || runtime
      ? new Writable({
          write(chunk, _enc, done) {
            target.write(redactSecrets(String(chunk), runtime ? [...secrets, ...runtime.list()] : secrets))
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
