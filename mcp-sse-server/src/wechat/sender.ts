/**
 * Every outbound WeChat message goes through here, whoever asks (a tool, a notification): the send rule, the
 * allow-lists, message limits, the repeat guard, the shared pacing queue, then the send itself, and one audit line
 * for every attempt, refused or not. Nothing here guesses: ambiguity and partial matches are refused.
 */
import { auditRefusal, type AuditEntry, type AuditLog } from './audit.js'
import { isRefusal, type FileRefusal, type LoadedFile } from './files.js'
import {
  FILEHELPER_ID as FILEHELPER,
  normalizeName,
  TAKES_FILE_TRANSFER_NAME,
  takesFileTransferName,
  type ContactEntry,
  type Directory,
  type Resolution,
  type RoomEntry,
} from './directory.js'
import { QueueFullError, SendAbandonedError, type Pacer } from './pacer.js'
import { SendUnconfirmedError, type OutboundContent, type RoadTarget } from '../roads/road.js'
import { quote } from './quote.js'
import { Stamps } from './clock.js'
import { label, refusalText } from './send-text.js'
import type { Fail, Ok } from '../result.js'
import { sendDigest, type Confirmer, type ConfirmRequest, type SendSummary } from '../confirm/confirmer.js'
import { CONFIRM_STOPS, type ConfirmedBy, type ConfirmStop } from '../confirm/settings.js'

import type { ChatType } from './inbox.js'

export type TargetKind = ChatType

export interface SendRequest {
  /** Who asked, for the audit log: a tool name or "notify". */
  tool: string
  kind: TargetKind
  target: { id?: string; name?: string }
  text: string
  /** Set by the send tools: the person who must approve it, when WECHAT_CONFIRM_SENDS asks for that. */
  confirm?: ConfirmRequest
  /** Already approved with the send it belongs to (a file's caption). */
  confirmedBy?: ConfirmedBy
}

/** A file or image (see files.ts); the caption goes out as a text right after it. */
export interface FileSendRequest {
  tool: string
  kind: TargetKind
  target: { id?: string; name?: string }
  /** Where it comes from (a URL without its query, or the path as given), for the audit log; never the bytes. */
  source: string
  caption?: string
  confirm?: ConfirmRequest
  /** Already approved (sendMessageToMe asks before it picks the road). */
  confirmedBy?: ConfirmedBy
  /** Downloads or reads and checks the file; called only once the target is known and allowed, so a refused send costs no download. */
  load: () => Promise<LoadedFile | FileRefusal>
}

type Content = { kind: 'text'; text: string } | { kind: 'file'; request: FileSendRequest; loaded?: LoadedFile }

/** Why a send did not go out: the one list behind the type, the tools' output schema and docs/tools.md. */
export const SEND_ERROR_CODES = [
  'not_logged_in',
  'invalid_message',
  'not_found',
  'ambiguous',
  'unknown_id',
  'not_allowed',
  'repeat',
  'queue_full',
  'cancelled',
  'send_failed',
  'file_refused',
  'audit_unavailable',
  /** The owner conversation has no road open (owner/owner-conversation.ts). */
  'road_unavailable',
  ...CONFIRM_STOPS,
] as const
export type SendErrorCode = (typeof SEND_ERROR_CODES)[number]

export interface ResolvedTarget {
  type: TargetKind
  id: string
  name: string
}

export interface Candidate {
  id: string
  name: string
  alias?: string
}

/** How a send's confirmation went: who approved it, or where it stopped (and, for a preview, its one-time id). */
export interface ConfirmationFacts {
  confirmedBy?: ConfirmedBy
  asked?: 'client' | 'owner'
  preview?: { id: string; expiresAt: string }
}

/** A send that went out: facts only (wechat/send-text.ts says it in words). `auditProblem`: it went out unrecorded. */
export type SendSuccess = Ok<{ target: ResolvedTarget; sentAt?: string; auditProblem?: string } & ConfirmationFacts>
/** `unconfirmed`: WeChat took it but did not confirm it in time (send_failed): it may still arrive. */
export type SendFailure = Fail<SendErrorCode, { target?: ResolvedTarget; candidates?: Candidate[]; sentAt?: string; unconfirmed?: true } & ConfirmationFacts>
export type SendResult = SendSuccess | SendFailure

/** The file that was sent (or would have been), without its bytes. */
export type FileFacts = Omit<LoadedFile, 'file'>
/** `caption`, only when one was given with a file that went out: whether it followed. */
export type FileSendResult = SendResult & { file?: FileFacts; caption?: Ok | SendFailure }

export type Unresolved = Fail<'unknown_id' | 'ambiguous' | 'not_found', { candidates?: Candidate[] }>
export type ResolveResult = Ok<{ target: ResolvedTarget }> | Unresolved

/** What the sender needs from the road its sends go out on (the composition root wires it to the web road). */
export interface OutboundPort {
  isLoggedIn(): boolean
  /** Where the user can scan, for "not logged in" answers. */
  loginHint(): string
  /** Looks again at the address book when a name is not found (a friend added a minute ago). */
  refreshIfStale(): Promise<void>
  send(to: RoadTarget, content: OutboundContent): Promise<void>
}

export interface SenderOptions {
  maxMessageChars: number
  repeatWindowS: number
  allowedContacts?: readonly string[]
  allowedRooms?: readonly string[]
  /** WECHAT_CONFIRM_SENDS: asks a person before a tool's send enters the queue. */
  confirmer?: Confirmer
  /** Where `sentAt` comes from: the inbox's, so replies are always later than the send (wechat/clock.ts). */
  stamps?: Stamps
}


const MAX_PARALLEL_LOADS = 2

/**
 * A message nobody can see (zero-width spaces, joiners, bidi and other format marks, control characters, fillers,
 * variation selectors, blanks) still shows up as a message from the user: it is refused like an empty one.
 */
const INVISIBLE_ONLY = /^[\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}\s\u2800]*$/u
/** Half of a surrogate pair on its own is not text: WeChat would carry it as garbage, or not at all. */
const LONE_SURROGATE = /\p{Cs}/u

export class Sender {
  private readonly recent = new Map<string, number>()
  /**
   * Allow-list entries are names, and names can be changed by others (a friend's nickname, a group's topic). Each
   * entry allows the one chat it matches under the send rule, pinned by id for the rest of the login: a friend who
   * renames themselves to an allowed name matches it together with the real one, so the entry is ambiguous and
   * allows neither of them instead of the impostor.
   */
  private readonly allowPins = new Map<string, string>()
  /** File sends being downloaded or read (or waiting for a turn to be): each holds up to 25 MB. */
  private preparing = 0
  private loadsRunning = 0
  private readonly loadTurns: Array<() => void> = []
  private readonly stamps: Stamps

  constructor(
    private readonly directory: Directory,
    private readonly port: OutboundPort,
    private readonly pacer: Pacer,
    private readonly audit: AuditLog,
    private readonly options: SenderOptions,
  ) {
    this.stamps = options.stamps ?? new Stamps()
  }

  /** Ids change at every login: what the allow-list was pinned to no longer means anything. */
  forgetLogin(): void {
    this.allowPins.clear()
    this.recent.clear()
  }

  async send(request: SendRequest, signal?: AbortSignal): Promise<SendResult> {
    const result = await this.attempt(request, { kind: 'text', text: request.text }, signal)
    return this.recorded(result, await this.record(request, result, { text: request.text }))
  }

  /**
   * A file or image under the same rule, allow-list, repeat guard, pacing and audit as text. The caption is a text
   * send of its own to the same chat, with its own audit line, once the file went out.
   */
  async sendFile(request: FileSendRequest, signal?: AbortSignal): Promise<FileSendResult> {
    const content: Content = { kind: 'file', request }
    let result = await this.attempt(request, content, signal)
    const loaded = content.loaded
    const written = await this.record(request, result, { text: '', ...(loaded ? { file: loaded.name } : {}), source: loaded?.source ?? request.source })
    result = this.recorded(result, written)
    if (!loaded) return result
    const { name, size, mediaType, source } = loaded
    const file = { name, size, mediaType, source }
    if (!result.ok || request.caption === undefined) return { ...result, file }
    const approved = result.confirmedBy ? { confirmedBy: result.confirmedBy } : {}
    const caption = await this.send({ tool: request.tool, kind: request.kind, target: { id: result.target.id }, text: request.caption, ...approved }, signal)
    // Its own audit line may be the one that failed: the answer says so either way.
    const auditProblem = result.auditProblem ?? (caption.ok ? caption.auditProblem : undefined)
    return { ...result, file, caption: caption.ok ? { ok: true } : caption, ...(auditProblem ? { auditProblem } : {}) }
  }

  /** A send refused before it reached the sender (malformed arguments, no road): audited like every other attempt. */
  async refuse(request: SendRequest, detail: string, code: SendErrorCode = 'invalid_message', facts: Omit<ConfirmationFacts, 'confirmedBy'> = {}): Promise<SendFailure> {
    const blocked = await this.auditBlocks()
    const result: SendFailure = blocked ?? { ok: false, code, detail, ...facts }
    await this.record(request, result, { text: request.text })
    return result
  }

  /**
   * The log was proved writable just before the message went to WeChat; if it failed in the seconds since, the
   * message still went out: say so, and that nothing more will until the log is fixed.
   */
  private recorded(result: SendResult, written: boolean): SendResult {
    if (written || !result.ok) return result
    return { ...result, auditProblem: this.audit.health.ok ? 'the write failed' : this.audit.health.error }
  }

  private record(request: SendRequest | FileSendRequest, result: SendResult, content: Pick<AuditEntry, 'text' | 'file' | 'source'>): Promise<boolean> {
    return this.audit.record({
      // A send that left the queue is stamped with the moment it went to WeChat, so the log shows the real pacing.
      ...(result.sentAt ? { ts: result.sentAt } : {}),
      tool: request.tool,
      target: result.target
        ? { type: result.target.type, id: result.target.id, name: result.target.name }
        : { type: request.kind, ...(request.target.id !== undefined ? { id: request.target.id } : {}), ...(request.target.name !== undefined ? { name: request.target.name } : {}) },
      ...content,
      ok: result.ok,
      // The same sentence the tool answers with.
      ...(result.ok ? {} : { error: refusalText(result) }),
      ...(result.confirmedBy ? { confirmed_by: result.confirmedBy } : {}),
      ...(!result.ok && isConfirmStop(result.code) ? { confirmation: result.code, ...(result.asked ? { asked: result.asked } : {}) } : {}),
    })
  }

  /**
   * Resolves a target under the send rule without sending (the inbox and file tools reuse it). `retry` is the advice
   * that ends a refusal with candidates: how to try again with the id, in the caller's words.
   */
  async resolve(kind: TargetKind, target: { id?: string; name?: string }, retry = 'send again'): Promise<ResolveResult> {
    let resolution = this.lookup(kind, target)
    if (!resolution.ok && resolution.reason !== 'ambiguous' && target.id !== FILEHELPER) {
      await this.port.refreshIfStale()
      resolution = this.lookup(kind, target)
    }
    return describeResolution(kind, target, resolution, retry)
  }

  /** While the audit log cannot be written, every send is refused (after one more try at writing it). */
  private async auditBlocks(): Promise<SendFailure | undefined> {
    const problem = await this.audit.blocking()
    return problem ? { ok: false, code: 'audit_unavailable', detail: auditRefusal(problem) } : undefined
  }

  private async attempt(request: SendRequest | FileSendRequest, content: Content, signal?: AbortSignal): Promise<SendResult> {
    const { kind } = request
    const blocked = await this.auditBlocks()
    if (blocked) return blocked
    const invalid =
      content.kind === 'text'
        ? this.checkText(content.text)
        : content.request.caption !== undefined
          ? this.checkText(content.request.caption, 'caption')
          : undefined
    if (invalid) return { ok: false, code: 'invalid_message', detail: invalid }
    if (!this.port.isLoggedIn()) {
      return { ok: false, code: 'not_logged_in', detail: `WeChat is not logged in. ${this.port.loginHint()}` }
    }
    const resolved = await this.resolve(kind, request.target)
    if (!resolved.ok) return resolved
    const target = resolved.target

    if (!this.isAllowed(target)) {
      const list = kind === 'contact' ? 'WECHAT_ALLOWED_CONTACTS' : 'WECHAT_ALLOWED_ROOMS'
      return {
        ok: false,
        code: 'not_allowed',
        target,
        detail: `${label(target)} is not on the allow-list (${list}). Only the people and rooms the user listed there may be messaged (an entry that matches several of them allows none); ask the user to add it if this send is intended.`,
      }
    }
    // Before a download: a send that cannot get into the queue should not cost 25 MB first. Files being prepared
    // count as queued, so concurrent file sends cannot pile up in memory ahead of the queue.
    if (this.pacer.waiting + this.preparing >= this.pacer.queueMax) {
      return { ok: false, code: 'queue_full', target, detail: `${new QueueFullError(this.pacer.queueMax).message}.` }
    }

    let loaded: LoadedFile | undefined
    if (content.kind === 'file') {
      const file = await this.prepare(content.request.load)
      if (isRefusal(file)) return { ...file, target }
      loaded = content.loaded = file
    }
    // Only awaited when someone may be asked: a send without confirmation keeps its place in line with the others.
    const confirmation = this.options.confirmer?.needed(target, request.confirm) ? await this.confirmation(request, content, target, loaded, signal) : undefined
    if (confirmation && !confirmation.ok) {
      const { code, detail, asked, preview } = confirmation
      return { ok: false, code, detail, target, ...(asked ? { asked } : {}), ...(preview ? { preview } : {}) }
    }
    const confirmedBy = confirmation?.by ?? ('confirmedBy' in request ? request.confirmedBy : undefined)
    const approved = confirmedBy ? { confirmedBy } : {}

    const file = loaded?.file
    const payload: OutboundContent =
      content.kind === 'text'
        ? { kind: 'text', text: content.text }
        : { kind: 'file', name: loaded!.name, mediaType: loaded!.mediaType, size: loaded!.size, bytes: async () => Buffer.from(await file!.toBuffer()) }

    const what = content.kind === 'text' ? 'text' : 'file'
    // A file repeats when the same name and size go to the same chat again: hashing 25 MB to be sure is not worth it.
    const key = `${kind}:${target.id}\u0000${content.kind === 'text' ? normalizeText(content.text) : `file\u0000${loaded!.name}\u0000${loaded!.size}`}`
    if (this.isRepeat(key)) {
      return {
        ok: false,
        code: 'repeat',
        target,
        ...approved,
        detail: `the same ${what} already went to ${label(target)} within the last ${this.options.repeatWindowS} s. This looks like a loop; do not resend unless the user asks for it.`,
      }
    }

    let sentAt = ''
    try {
      await this.pacer.schedule(
        () => {
          // Taken before WeChat has it, so a reply can never carry an earlier time than the send it answers.
          sentAt = new Date(this.stamps.next()).toISOString()
          return this.port.send({ type: kind, id: target.id }, payload)
        },
        signal,
        {
          road: 'web',
          check: async () => {
            // The login may have ended, or the disk filled, while this send waited for its turn.
            if (!this.port.isLoggedIn()) throw new SendAbandonedError('logout')
            // No message goes out that its audit line could not follow.
            const problem = await this.audit.ensureWritable()
            if (problem) throw new AuditUnavailableError(problem)
          },
        },
      )
    } catch (err) {
      this.recent.delete(key)
      const refused = this.answerFailure(err, target, sentAt)
      return { ...refused, ...approved }
    }
    return { ok: true, target, sentAt, ...approved }
  }

  /** What a send that entered the queue but did not reach WeChat, or failed there, answers. */
  private answerFailure(err: unknown, target: ResolvedTarget, sentAt: string): SendFailure {
    if (err instanceof QueueFullError) return { ok: false, code: 'queue_full', target, detail: `${err.message}.` }
    if (err instanceof AuditUnavailableError) return { ok: false, code: 'audit_unavailable', target, detail: auditRefusal(err.message) }
    if (err instanceof SendAbandonedError && err.reason === 'logout') {
      return { ok: false, code: 'not_logged_in', target, detail: `${err.message}. ${this.port.loginHint()}` }
    }
    if (err instanceof SendAbandonedError) return { ok: false, code: 'cancelled', target, detail: `${err.message}.` }
    if (err instanceof SendUnconfirmedError) {
      const detail = `WeChat did not confirm the message to ${label(target)} within ${err.afterS} s; it may still arrive. Check the chat before sending it again.`
      return { ok: false, code: 'send_failed', target, unconfirmed: true, ...(sentAt ? { sentAt } : {}), detail }
    }
    return { ok: false, code: 'send_failed', target, ...(sentAt ? { sentAt } : {}), detail: `sending to ${label(target)} failed at WeChat: ${errorText(err)}. It was not delivered.` }
  }

  /** Asks whoever WECHAT_CONFIRM_VIA names, when this send needs a person's approval (confirm/confirmer.ts). */
  private async confirmation(request: SendRequest | FileSendRequest, content: Content, target: ResolvedTarget, loaded: LoadedFile | undefined, signal?: AbortSignal) {
    const confirmer = this.options.confirmer!
    const entry = this.lookup(target.type, { id: target.id })
    const recipient = entry.ok
      ? 'topic' in entry.entry
        ? { type: target.type, id: target.id, name: entry.entry.topic }
        : { type: target.type, id: target.id, name: entry.entry.name, ...(entry.entry.alias ? { alias: entry.entry.alias } : {}) }
      : target
    const what: SendSummary['what'] =
      content.kind === 'text'
        ? { kind: 'text', text: content.text }
        : { kind: 'file', name: loaded!.name, size: loaded!.size, ...(content.request.caption !== undefined ? { caption: content.request.caption } : {}) }
    const bytes = content.kind === 'file' ? Buffer.from(await loaded!.file.toBuffer()) : undefined
    return confirmer.confirm({ tool: request.tool, recipient, what, digest: sendDigest(what, bytes) }, request.confirm!, signal)
  }

  /** Downloads or reads a file, at most MAX_PARALLEL_LOADS at a time. */
  private async prepare<T>(load: () => Promise<T>): Promise<T> {
    this.preparing++
    try {
      while (this.loadsRunning >= MAX_PARALLEL_LOADS) await new Promise<void>((turn) => this.loadTurns.push(turn))
      this.loadsRunning++
      try {
        return await load()
      } finally {
        this.loadsRunning--
        this.loadTurns.shift()?.()
      }
    } finally {
      this.preparing--
    }
  }

  private lookup(kind: TargetKind, target: { id?: string; name?: string }): Resolution<ContactEntry | RoomEntry> {
    return kind === 'contact' ? this.directory.resolveFriend(target) : this.directory.resolveRoom(target)
  }

  /** Why a text cannot be sent (empty, broken, too long), as a refusal's `detail`; undefined when it can. */
  checkText(text: string, field: 'message' | 'caption' = 'message'): string | undefined {
    const write = `Write the text to send in \`${field}\`${field === 'caption' ? ', or leave it out' : ''}.`
    if (text.trim() === '') return `the ${field} is empty. ${write}`
    const broken = LONE_SURROGATE.exec(text)
    if (broken) {
      return `the ${field} holds a broken character (a lone UTF-16 surrogate, \\u${broken[0].charCodeAt(0).toString(16)}, at position ${broken.index}), which WeChat cannot carry. Remove it, or re-encode the text, and send again.`
    }
    if (INVISIBLE_ONLY.test(text)) {
      return `the ${field} has no visible text, only zero-width, control or blank characters. ${write}`
    }
    const length = [...text].length
    if (length > this.options.maxMessageChars) {
      return `the ${field} has ${length} characters; the limit is ${this.options.maxMessageChars} (WECHAT_MAX_MESSAGE_CHARS). Shorten it or split it into a few messages.`
    }
    return undefined
  }

  private isAllowed(target: ResolvedTarget): boolean {
    const entries = target.type === 'contact' ? this.options.allowedContacts : this.options.allowedRooms
    if (!entries || (target.type === 'contact' && target.id === FILEHELPER)) return true
    return entries.some((entry) => this.allowedId(target.type, entry) === target.id)
  }

  private allowedId(kind: TargetKind, entry: string): string | undefined {
    const key = `${kind}\u0000${normalizeName(entry)}`
    const pinned = this.allowPins.get(key)
    if (pinned) return pinned
    const found = this.lookup(kind, { name: entry })
    if (!found.ok) return undefined
    this.allowPins.set(key, found.entry.id)
    return found.entry.id
  }

  private isRepeat(key: string): boolean {
    const windowMs = this.options.repeatWindowS * 1000
    if (windowMs === 0) return false
    const now = Date.now()
    for (const [k, at] of this.recent) if (at <= now - windowMs) this.recent.delete(k)
    if (this.recent.has(key)) return true
    this.recent.set(key, now)
    return false
  }
}

function describeResolution(
  kind: TargetKind,
  target: { id?: string; name?: string },
  resolution: Resolution<ContactEntry | RoomEntry>,
  retry: string,
): ResolveResult {
  const what = kind === 'contact' ? 'friend' : 'room'
  const find = kind === 'contact' ? 'findFriend' : 'findRoom'
  if (resolution.ok) {
    const e = resolution.entry
    return { ok: true, target: { type: kind, id: e.id, name: 'topic' in e ? e.topic : e.alias || e.name } }
  }
  switch (resolution.reason) {
    case 'unknown_id':
      return unresolved('unknown_id', `no ${what} has the id ${quote(target.id ?? '')}. Ids change at every WeChat login; look the ${what} up again with ${find} and use the id it returns.`)
    case 'ambiguous': {
      const candidates = resolution.candidates.map(toCandidate)
      const listed = candidates.map(describeCandidate).join('; ')
      return unresolved('ambiguous', `${candidates.length} ${what}s match ${quote(target.name ?? '')} exactly: ${listed}. Ask the user which one they mean, then ${retry} with that id.`, candidates)
    }
    case 'not_found': {
      const candidates = resolution.suggestions.map(toCandidate)
      const hint = candidates.length
        ? `Partial matches (not used without confirmation): ${candidates.map(describeCandidate).join('; ')}. If one of them is meant, ${retry} with its id.`
        : `Check the spelling, or use ${find} with part of the name.`
      return unresolved('not_found', `no ${what} is named exactly ${quote(target.name ?? '')}. ${hint}`, candidates)
    }
  }
}

function unresolved(code: 'unknown_id' | 'ambiguous' | 'not_found', detail: string, candidates?: Candidate[]): Unresolved {
  return { ok: false, code, detail, ...(candidates ? { candidates } : {}) }
}

function toCandidate(e: ContactEntry | RoomEntry): Candidate {
  if ('topic' in e) return { id: e.id, name: e.topic }
  return { id: e.id, name: e.name, ...(e.alias ? { alias: e.alias } : {}) }
}

function describeCandidate(c: Candidate): string {
  const impostor = takesFileTransferName({ id: c.id, name: c.name, ...(c.alias !== undefined ? { alias: c.alias } : {}) })
  return `${quote(c.name)}${c.alias ? ` (remark ${quote(c.alias)})` : ''} id=${quote(c.id)}${impostor ? ` (${TAKES_FILE_TRANSFER_NAME})` : ''}`
}

/** The repeat guard sees through trivial variations (case, spacing, normalisation form) of the same text. */
function normalizeText(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()
}

class AuditUnavailableError extends Error {}

function isConfirmStop(code: SendErrorCode): code is ConfirmStop {
  return (CONFIRM_STOPS as readonly string[]).includes(code)
}

/** What WeChat (or the puppet) said, quoted: it may repeat a name or text that came from WeChat. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return quote(text.length > 300 ? `${text.slice(0, 297)}...` : text)
}
