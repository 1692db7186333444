import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import path from 'node:path'
import { describeFsError } from './fs-errors.js'
import type { ConfirmedBy, ConfirmStop } from '../confirm/settings.js'

export interface AuditEntry {
  ts: string
  tool: string
  target: { type: 'contact' | 'room'; id?: string; name?: string }
  text: string
  /** Set when `text` was cut to fit a line: the full text's length (code points) and SHA-256 (hex). */
  textChars?: number
  textSha256?: string
  ok: boolean
  error?: string
  /** For file sends: what was sent. */
  file?: string
  /** For file sends: where it came from (URL without its query string, or the resolved path). */
  source?: string
  /** Who approved the send (WECHAT_CONFIRM_SENDS): the person at the client, the owner on their phone, or a preview. */
  confirmed_by?: ConfirmedBy
  /** Where a send stopped at its confirmation, and who had been asked. */
  confirmation?: ConfirmStop
  asked?: 'client' | 'owner'
  /**
   * Set on every line the sandbox writes (WECHATY_PUPPET=mock): its sends reached no one, and a DATA_DIR shared with
   * a real account must not mix them up with real ones. `jq 'select(.sandbox != true)'` keeps the real sends.
   */
  sandbox?: true
}

/** audit.jsonl.1 … audit.jsonl.5 are kept beside the live file; older ones are deleted. */
export const AUDIT_KEEP_FILES = 5
/** A message longer than this is kept as its start, a marker, its length and its digest (default sends are ≤ 2,000). */
export const AUDIT_MAX_TEXT_CHARS = 4000
/** No line is longer than this, whatever the fields hold (JSON escapes can make a character six bytes). */
export const AUDIT_MAX_LINE_BYTES = 32 * 1024
const TRUNCATED = '…[truncated]'
const FIELD_LIMITS = { name: 300, id: 300, error: 2000, file: 300, source: 1000 } as const
/** What is kept of a torn line's fragment in its repair record. */
const MAX_FRAGMENT_BYTES = 4096
const RETRY_MS = 10_000

export type AuditHealth = { ok: true } | { ok: false; error: string; since: string }

export interface AuditLogOptions {
  /** Rotate before a line would take the live file past this size. */
  maxBytes?: number
  /** While the log cannot be written, try again this often (so /health recovers without waiting for a send). */
  retryMs?: number
  /** Marks every line `"sandbox": true` (see AuditEntry.sandbox). */
  sandbox?: boolean
}

export interface AuditLogEvents {
  /** The log stopped being writable (once per episode); the cause in plain words, without the path. */
  failed: [string]
  /** Writable again. */
  recovered: []
}

/**
 * DATA_DIR/audit.jsonl: one line per send attempt, refused ones included. Each line is on disk (fsync) before the
 * caller is told the outcome, and before a message is handed to WeChat the log is proved writable (ensureWritable),
 * so no message goes out that could not be recorded. When a write fails, the log says so (`health`, the `failed`
 * event) until a later write or probe succeeds; the sender refuses every send meanwhile.
 */
export class AuditLog extends EventEmitter<AuditLogEvents> {
  readonly file: string
  private chain: Promise<unknown> = Promise.resolve()
  /** The live file's size as far as this process knows; undefined: stat it before the next append. */
  private size?: number
  /** False until the tail was checked for a torn line (at start, and after any failed write). */
  private tailChecked = false
  private problem?: { error: string; since: string }
  /** The record of a fragment cut off the tail, not yet on disk (it is written ahead of the next line). */
  private pendingRepair?: string
  private retryTimer?: NodeJS.Timeout
  private readonly maxBytes: number
  private readonly retryMs: number
  private readonly sandbox: boolean

  constructor(
    dataDir: string,
    private readonly redact: (text: string) => string = (t) => t,
    /** Every write that fails is reported here (for the server log), never thrown at the send it records. */
    private readonly onError: (err: unknown) => void = () => undefined,
    options: AuditLogOptions = {},
  ) {
    super()
    this.file = path.join(dataDir, 'audit.jsonl')
    this.maxBytes = options.maxBytes ?? 20 * 1024 * 1024
    this.retryMs = options.retryMs ?? RETRY_MS
    this.sandbox = options.sandbox ?? false
  }

  get health(): AuditHealth {
    return this.problem ? { ok: false, ...this.problem } : { ok: true }
  }

  /** Resolves once every line recorded so far is on disk (graceful shutdown). */
  flushed(): Promise<void> {
    return this.chain.then(() => undefined)
  }

  /** Stops the retry timer (tests; the server ends with its process). */
  close(): void {
    clearInterval(this.retryTimer)
    this.retryTimer = undefined
  }

  /**
   * `ts` defaults to now; a send that reached WeChat passes the moment it was handed over (after its queue wait).
   * Resolves true when the line is on disk, false when it could not be written (reported through onError and health).
   */
  record(entry: Omit<AuditEntry, 'ts'> & { ts?: string }): Promise<boolean> {
    const line = this.serialize(entry)
    return this.enqueue(() => this.append(line), false)
  }

  /**
   * Proves, right now, that a line can be written: the tail is sound, the log can be opened for appending, and the
   * file system takes a full-size line (a probe file, synced and removed). Resolves to the problem, or undefined.
   */
  ensureWritable(): Promise<string | undefined> {
    return this.enqueue(() => this.probe(), true).then(() => this.problem?.error)
  }

  /**
   * Only a probe clears a failure: a short line can still fit in the last page of a full disk while a long one
   * cannot, and the state must not flap with the length of whatever was written last.
   */
  /** Undefined while the log is healthy; while it is failing, one more try, and the problem if it still fails. */
  async blocking(): Promise<string | undefined> {
    return this.health.ok ? undefined : this.ensureWritable()
  }

  private enqueue(work: () => Promise<void>, clears: boolean): Promise<boolean> {
    const run = this.chain.then(work).then(
      () => {
        if (clears) this.recover()
        return true
      },
      (err: unknown) => {
        this.fail(err)
        return false
      },
    )
    this.chain = run
    return run
  }

  private serialize(entry: Omit<AuditEntry, 'ts'> & { ts?: string }): string {
    const { ts, tool, target, text, ok, error, file, source, confirmed_by, confirmation, asked } = entry
    const fields = (bounded: Pick<AuditEntry, 'text' | 'textChars' | 'textSha256'>): AuditEntry => ({
      ts: ts ?? new Date().toISOString(),
      tool,
      target: {
        type: target.type,
        ...(target.id !== undefined ? { id: clip(target.id, FIELD_LIMITS.id) } : {}),
        ...(target.name !== undefined ? { name: clip(target.name, FIELD_LIMITS.name) } : {}),
      },
      ...bounded,
      ok,
      ...(error !== undefined ? { error: clip(this.redact(error), FIELD_LIMITS.error) } : {}),
      ...(file !== undefined ? { file: clip(file, FIELD_LIMITS.file) } : {}),
      ...(source !== undefined ? { source: clip(source, FIELD_LIMITS.source) } : {}),
      ...(confirmed_by !== undefined ? { confirmed_by } : {}),
      ...(confirmation !== undefined ? { confirmation } : {}),
      ...(asked !== undefined ? { asked } : {}),
      ...(this.sandbox ? { sandbox: true as const } : {}),
    })
    // Characters a JSON escape makes six bytes long can still overflow the line: halve the text until it fits.
    for (let budget = AUDIT_MAX_TEXT_CHARS; ; budget = Math.floor(budget / 2)) {
      const json = JSON.stringify(fields(boundText(text, budget))) + '\n'
      if (Buffer.byteLength(json) <= AUDIT_MAX_LINE_BYTES || budget === 0) return json
    }
  }

  private async append(line: string): Promise<void> {
    this.checkTail()
    const data = Buffer.from((this.pendingRepair ?? '') + line)
    this.size ??= sizeOf(this.file)
    if (this.size > 0 && this.size + data.length > this.maxBytes) {
      rotate(this.file)
      this.size = 0
    }
    await this.writeLog(data)
  }

  private async writeLog(data: Buffer): Promise<void> {
    try {
      await writeDurably(this.file, data, 'a')
      if (this.size !== undefined) this.size += data.length
      this.pendingRepair = undefined
    } catch (err) {
      // A short write leaves a fragment: the next write looks at the tail first.
      this.tailChecked = false
      this.size = undefined
      throw err
    }
  }

  /** Cuts a torn fragment off the tail; its record goes out with the next line written. */
  private checkTail(): void {
    if (this.tailChecked) return
    const repair = repairTornTail(this.file)
    this.tailChecked = true
    if (repair) this.pendingRepair = (this.pendingRepair ?? '') + repairRecord(repair)
  }

  private async probe(): Promise<void> {
    this.checkTail()
    if (this.pendingRepair) await this.writeLog(Buffer.from(this.pendingRepair))
    // Appending needs the file itself writable, not only its directory.
    await (await open(this.file, 'a', 0o600)).close()
    const probe = path.join(path.dirname(this.file), `.audit-probe-${process.pid}`)
    try {
      await writeDurably(probe, Buffer.alloc(AUDIT_MAX_LINE_BYTES, 0x20), 'w')
    } finally {
      await unlink(probe).catch(() => undefined)
    }
  }

  private fail(err: unknown): void {
    this.onError(err)
    if (this.problem) return
    this.problem = { error: describeFsError(err), since: new Date().toISOString() }
    this.retryTimer = setInterval(() => void this.ensureWritable(), this.retryMs)
    this.retryTimer.unref()
    this.emit('failed', this.problem.error)
  }

  private recover(): void {
    if (!this.problem) return
    this.problem = undefined
    this.close()
    this.emit('recovered')
  }
}

/** Why a send is refused while its audit line cannot be written (a refusal's `detail`). */
export function auditRefusal(problem: string): string {
  return (
    `the audit log (DATA_DIR/audit.jsonl) cannot be written: ${problem}. No WeChat message goes out unless it can be recorded. ` +
    'Tell the user to free space in, or fix the permissions of, DATA_DIR; sends resume by themselves once it is writable.'
  )
}

/**
 * A line cut short (a crash or a full disk in the middle of a write) would glue the next record onto its fragment,
 * making both unreadable. The fragment is cut off the file and returned, to be kept as a record of its own.
 */
export function repairTornTail(file: string): { fragment: string; bytes: number } | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  let cut: number
  let size: number
  let fragment: Buffer
  try {
    size = fstatSync(fd).size
    if (size === 0) return undefined
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    if (last[0] === 0x0a) return undefined
    cut = lastNewlineEnd(fd, size)
    fragment = Buffer.alloc(Math.min(size - cut, MAX_FRAGMENT_BYTES))
    readSync(fd, fragment, 0, fragment.length, cut)
  } finally {
    closeSync(fd)
  }
  const writable = openSync(file, 'r+')
  try {
    ftruncateSync(writable, cut)
    fsyncSync(writable)
  } finally {
    closeSync(writable)
  }
  return { fragment: fragment.toString('utf8'), bytes: size - cut }
}

/** A torn fragment, kept as a line of its own: it may be all there is of a send that was under way. */
function repairRecord({ fragment, bytes }: { fragment: string; bytes: number }): string {
  return JSON.stringify({ ts: new Date().toISOString(), event: 'torn_line_repaired', bytes, fragment }) + '\n'
}

/** Start-up: the log's last line is whole before the server takes its first send. Throws what the disk says. */
export function repairAuditLogAtStart(dataDir: string): { bytes: number } | undefined {
  const file = path.join(dataDir, 'audit.jsonl')
  const repair = repairTornTail(file)
  if (!repair) return undefined
  const fd = openSync(file, 'a', 0o600)
  try {
    writeSync(fd, repairRecord(repair))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return { bytes: repair.bytes }
}

function lastNewlineEnd(fd: number, size: number): number {
  const chunk = Buffer.alloc(64 * 1024)
  let end = size
  while (end > 0) {
    const start = Math.max(0, end - chunk.length)
    const n = readSync(fd, chunk, 0, end - start, start)
    const at = chunk.subarray(0, n).lastIndexOf(0x0a)
    if (at >= 0) return start + at + 1
    end = start
  }
  return 0
}

/** Writes all of `data` (a full disk can take part of it and refuse the rest) and syncs it before resolving. */
async function writeDurably(file: string, data: Buffer, flags: 'a' | 'w'): Promise<void> {
  const handle = await open(file, flags, 0o600)
  try {
    let offset = 0
    while (offset < data.length) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset)
      offset += bytesWritten
    }
    await handle.datasync()
  } finally {
    await handle.close()
  }
}

function rotate(file: string): void {
  rmSync(`${file}.${AUDIT_KEEP_FILES}`, { force: true })
  for (let n = AUDIT_KEEP_FILES - 1; n >= 1; n--) {
    try {
      renameSync(`${file}.${n}`, `${file}.${n + 1}`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  renameSync(file, `${file}.1`)
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
}

function clip(value: string, max: number): string {
  const chars = Array.from(value)
  return chars.length <= max ? value : chars.slice(0, max).join('') + TRUNCATED
}

/** The text as kept: whole when it fits, else its start, a marker, and what identifies the whole. */
function boundText(text: string, maxChars: number): Pick<AuditEntry, 'text' | 'textChars' | 'textSha256'> {
  const chars = Array.from(text)
  if (chars.length <= maxChars) return { text }
  return {
    text: chars.slice(0, maxChars).join('') + TRUNCATED,
    textChars: chars.length,
    textSha256: createHash('sha256').update(text).digest('hex'),
  }
}
