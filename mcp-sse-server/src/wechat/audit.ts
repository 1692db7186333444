import { appendFile, mkdir } from 'node:fs/promises'
import path from 'node:path'

export interface AuditEntry {
  ts: string
  tool: string
  target: { type: 'contact' | 'room'; id?: string; name?: string }
  text: string
  ok: boolean
  error?: string
  /** For file sends: what was sent. */
  file?: string
  /** For file sends: where it came from (URL without its query string, or the resolved path). */
  source?: string
}

/**
 * DATA_DIR/audit.jsonl: one line per send attempt, refused ones included. Each line is on disk before the caller
 * is told the outcome, so a crash never loses a send that was reported.
 */
export class AuditLog {
  readonly file: string
  private ready?: Promise<unknown>
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    dataDir: string,
    private readonly redact: (text: string) => string = (t) => t,
    /** A line that cannot be written (disk full, permissions) is reported here, never thrown at the send it records. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.file = path.join(dataDir, 'audit.jsonl')
  }

  /** Resolves once every line recorded so far is on disk (graceful shutdown). */
  flushed(): Promise<void> {
    return this.chain.then(() => undefined)
  }

  /** `ts` defaults to now; a send that reached WeChat passes the moment it was handed over (after its queue wait). */
  record(entry: Omit<AuditEntry, 'ts'> & { ts?: string }): Promise<void> {
    const { ts, ...rest } = entry
    const line: AuditEntry = { ts: ts ?? new Date().toISOString(), ...rest }
    if (line.error !== undefined) line.error = this.redact(line.error)
    this.ready ??= mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 })
    const write = this.chain
      .then(() => this.ready)
      .then(() => appendFile(this.file, JSON.stringify(line) + '\n', { mode: 0o600 }))
      .catch((err: unknown) => {
        // A send that WeChat took must still be reported as sent; the failure to log it goes to the server log.
        this.ready = undefined
        this.onError(err)
      })
    this.chain = write
    return write
  }
}
