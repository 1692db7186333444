/**
 * What lets a restart resume the iLink road without a scan: the login (bot token, ids, base URL), the update cursor,
 * the owner's latest context_token and the send window's bookkeeping. One JSON file in DATA_DIR, readable by the
 * user only (0600), replaced atomically so a crash mid-write never leaves half a token.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface IlinkLogin {
  botToken: string
  botId: string
  /** The owner: the only person this road talks to. */
  ownerId: string
  baseUrl: string
}

export interface IlinkSaved {
  login?: IlinkLogin
  cursor?: string
  contextToken?: string
  /** ms since the epoch: the owner's latest message, which opens the reply window. */
  lastInboundAt?: number
  /** Bot messages sent since that message (the per-message budget). */
  sentSinceInbound?: number
}

export const STORE_FILE = 'ilink.json'

export class IlinkStore {
  readonly file: string
  private data: IlinkSaved

  constructor(dataDir: string, fileName = STORE_FILE) {
    this.file = path.join(dataDir, fileName)
    this.data = this.read()
  }

  get saved(): Readonly<IlinkSaved> {
    return this.data
  }

  /** Merges and writes at once: a token or cursor that was used must survive a crash right after. */
  update(patch: Partial<IlinkSaved>): void {
    const next = { ...this.data, ...patch }
    if (JSON.stringify(next) === JSON.stringify(this.data)) return
    this.data = next
    this.write()
  }

  /** Forgets the login and everything tied to it (a stale token, or `logout`). */
  clear(): void {
    this.data = {}
    rmSync(this.file, { force: true })
  }

  private read(): IlinkSaved {
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch {
      return {}
    }
    try {
      const parsed = JSON.parse(text) as IlinkSaved
      const login = parsed.login
      const loginOk = !login || [login.botToken, login.botId, login.ownerId, login.baseUrl].every((v) => typeof v === 'string' && v)
      return loginOk ? parsed : { ...parsed, login: undefined }
    } catch {
      // A damaged file means one new scan, not a server that cannot start.
      return {}
    }
  }

  private write(): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 })
    const temp = `${this.file}.${process.pid}.tmp`
    writeFileSync(temp, JSON.stringify(this.data), { mode: 0o600 })
    // The mode given to writeFileSync applies only when the file is created (and umask still masks it).
    chmodSync(temp, 0o600)
    renameSync(temp, this.file)
  }
}
