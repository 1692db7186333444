/**
 * WeChat as a Claude Code channel: the owner's messages (and those of the senders the operator listed) are pushed
 * into connected MCP sessions as `notifications/claude/channel`, and Claude Code's tool-approval requests are relayed
 * to the owner's phone and answered from there. One hub per process; each MCP session that can take channel events
 * joins it under a short name.
 *
 * Sender gating is the security model: anything pushed into a session is a prompt, so only messages the composition
 * root classified as the owner's (or a listed sender's) ever reach one. Verdicts are the owner's alone.
 */
import type { Logger } from '../logger.js'
import type { InboxMessage } from '../wechat/inbox.js'
import { quote } from '../wechat/quote.js'
import { parseVerdict, type Verdict } from './verdict.js'

export const CHANNEL_NOTIFICATION = 'notifications/claude/channel'
export const PERMISSION_REQUEST = 'notifications/claude/channel/permission_request'
export const PERMISSION_VERDICT = 'notifications/claude/channel/permission'

/** What the hub needs of a session: a name and a way to push a notification to it. */
export interface ChannelSession {
  readonly name: string
  notify(method: string, params: Record<string, unknown>): Promise<void>
}

export interface PermissionRequest {
  request_id: string
  tool_name: string
  description: string
  input_preview: string
}

/** Who wrote a message, as far as the channel is concerned: the owner, a listed sender, or nobody it may pass on. */
export type SenderClass = 'owner' | 'listed' | undefined

export interface ChannelHubOptions {
  logger: Logger
  /** Messages the owner on their own chat (iLink ClawBot, or File Transfer); never throws, answers are best-effort. */
  tellOwner: (text: string) => Promise<void>
  /** Owner, listed, or neither: decided by the composition root (roads, CHANNEL_SENDERS pinned by id). */
  classify: (message: InboxMessage) => SenderClass
  /** How long an unanswered approval request is kept (Claude Code never says it was answered in the terminal). */
  requestTtlMs?: number
  now?: () => number
}

interface Pending {
  session: ChannelSession
  request: PermissionRequest
  at: number
}

const SESSIONS_COMMANDS = new Set(['/sessions', 'sessions', '/会话', '会话'])
const MAX_PENDING = 200
const MAX_REMEMBERED = 500
const PREVIEW_CHARS = 400

export class ChannelHub {
  private readonly sessions = new Map<string, ChannelSession>()
  /** Open approval requests by code; two sessions may happen to pick the same code. */
  private readonly pending = new Map<string, Pending[]>()
  /** Codes answered or expired lately, so a late or repeated answer gets "already answered", not silence. */
  private readonly settled = new Map<string, Verdict | 'expired' | 'gone'>()
  private readonly log: Logger
  private readonly ttlMs: number
  private readonly now: () => number

  constructor(private readonly options: ChannelHubOptions) {
    this.log = options.logger.child({ component: 'channel' })
    this.ttlMs = options.requestTtlMs ?? 30 * 60_000
    this.now = options.now ?? Date.now
  }

  /** A unique short name for a joining session: the one asked for, else the client's name, made unique. */
  uniqueName(requested: string | undefined, clientName: string | undefined): string {
    const base = sanitizeName(requested) || sanitizeName(clientName) || 'session'
    if (!this.sessions.has(base)) return base
    for (let n = 2; ; n++) if (!this.sessions.has(`${base}-${n}`)) return `${base}-${n}`
  }

  join(session: ChannelSession): void {
    this.sessions.set(session.name, session)
    this.log.info({ session: session.name, sessions: this.sessions.size }, 'channel session joined')
  }

  /** A leaving session disappears from the list at once, and its open approval requests with it. */
  leave(session: ChannelSession): void {
    if (this.sessions.get(session.name) !== session) return
    this.sessions.delete(session.name)
    for (const [code, list] of this.pending) {
      const kept = list.filter((p) => p.session !== session)
      if (kept.length === list.length) continue
      if (kept.length) this.pending.set(code, kept)
      else {
        this.pending.delete(code)
        this.remember(code, 'gone')
      }
    }
    this.log.info({ session: session.name, sessions: this.sessions.size }, 'channel session left')
  }

  get names(): string[] {
    return [...this.sessions.keys()]
  }

  /** Claude Code asks the owner to approve a tool use: relay it to the phone with how to answer. */
  async permissionRequested(session: ChannelSession, request: PermissionRequest): Promise<void> {
    if (this.sessions.get(session.name) !== session) return
    this.expire()
    const code = request.request_id.toLowerCase()
    const list = (this.pending.get(code) ?? []).filter((p) => p.session !== session)
    list.push({ session, request, at: this.now() })
    this.pending.set(code, list)
    this.settled.delete(code)
    this.trimPending()
    this.log.info({ session: session.name, tool: request.tool_name }, 'channel permission asked')
    const who = this.sessions.size > 1 || list.length > 1 ? ` @${session.name}` : ''
    const preview = request.input_preview ? `\n${truncate(request.input_preview, PREVIEW_CHARS)}` : ''
    await this.say(
      `🔐 Claude (${session.name}) wants to run ${request.tool_name}: ${truncate(request.description, PREVIEW_CHARS)}${preview}\n` +
        `Reply "yes ${code}${who}" to allow or "no ${code}${who}" to deny (also 是/否).`,
    )
  }

  /**
   * Every message that reached the inbox. Returns true when the hub took it (pushed, answered, or consumed as a
   * command), false when it was not for the channel at all.
   */
  async onMessage(message: InboxMessage): Promise<boolean> {
    const from = this.options.classify(message)
    if (!from) return false
    const text = (message.text ?? '').trim()
    if (from === 'owner') {
      if (SESSIONS_COMMANDS.has(text.toLowerCase())) {
        await this.say(this.sessionList())
        return true
      }
      const verdict = parseVerdict(text)
      if (verdict && (await this.applyVerdict(verdict.code, verdict.verdict, verdict.session))) return true
    }
    return this.route(message, from, text)
  }

  private async route(message: InboxMessage, from: 'owner' | 'listed', text: string): Promise<boolean> {
    let target: ChannelSession | undefined
    let content = message.text ?? describeMedia(message)
    const addressed = /^@([\w.-]{1,40})\s*([\s\S]*)$/u.exec(text)
    if (addressed && this.sessions.has(addressed[1]!.toLowerCase())) {
      target = this.sessions.get(addressed[1]!.toLowerCase())
      content = addressed[2]!.trim() || content
    } else if (this.sessions.size === 1) {
      target = this.sessions.values().next().value
    }
    if (!target) {
      // Several sessions and no known name, or none at all: nothing is broadcast; the owner is told where it can go.
      if (from === 'owner') await this.say(addressed ? `No session is called @${addressed[1]}. ${this.sessionList()}` : this.sessionList())
      else this.log.info({ chat: message.chat.id, sessions: this.sessions.size }, 'listed sender wrote with no session addressed; not passed on')
      return true
    }
    await target
      .notify(CHANNEL_NOTIFICATION, { content, meta: metaOf(message, from) })
      .catch((err: unknown) => this.log.warn({ err: String(err), session: target.name }, 'channel event not delivered'))
    this.log.debug({ session: target.name, from }, 'channel event pushed')
    return true
  }

  /** Applies an answer once, to the session that asked; false when the text is better passed on as a message. */
  private async applyVerdict(code: string, verdict: Verdict, sessionName?: string): Promise<boolean> {
    this.expire()
    const list = this.pending.get(code)
    if (!list) {
      const settled = this.settled.get(code)
      if (settled) {
        await this.say(settled === 'expired' || settled === 'gone' ? `"${code}" is no longer open (${settled === 'gone' ? 'its session ended' : 'it expired'}).` : `"${code}" was already answered (${settled}).`)
        return true
      }
      // "yes agree" while nothing is open is an ordinary message, not a wrong code.
      if (this.pending.size === 0) return false
      await this.say(`No open request has the code "${code}". Open: ${[...this.pending.keys()].join(', ')}.`)
      return true
    }
    const matching = sessionName ? list.filter((p) => p.session.name === sessionName) : list
    if (matching.length !== 1) {
      const names = list.map((p) => `@${p.session.name}`).join(', ')
      await this.say(matching.length ? `Two sessions asked with "${code}" (${names}): reply "${verdict === 'allow' ? 'yes' : 'no'} ${code} @name".` : `"${code}" was not asked by @${sessionName}; it was asked by ${names}.`)
      return true
    }
    const chosen = matching[0]!
    const rest = list.filter((p) => p !== chosen)
    if (rest.length) this.pending.set(code, rest)
    else this.pending.delete(code)
    this.remember(code, verdict)
    try {
      await chosen.session.notify(PERMISSION_VERDICT, { request_id: chosen.request.request_id, behavior: verdict })
      await this.say(`${verdict === 'allow' ? '✅ Allowed' : '⛔ Denied'}: ${chosen.request.tool_name} (${chosen.session.name}).`)
    } catch (err) {
      this.log.warn({ err: String(err), session: chosen.session.name }, 'permission verdict not delivered')
      await this.say(`Could not reach ${chosen.session.name}; answer in its terminal.`)
    }
    return true
  }

  private sessionList(): string {
    const names = this.names
    if (names.length === 0) return 'No agent session is connected to WeChat right now.'
    if (names.length === 1) return `One session is connected: @${names[0]}. Anything you write goes to it.`
    return `Sessions: ${names.map((n) => `@${n}`).join(', ')}. Start a message with @name to choose one.`
  }

  private async say(text: string): Promise<void> {
    await this.options.tellOwner(text).catch((err: unknown) => this.log.warn({ err: String(err) }, 'could not answer the owner in WeChat'))
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs
    for (const [code, list] of this.pending) {
      const kept = list.filter((p) => p.at > cutoff)
      if (kept.length === list.length) continue
      if (kept.length) this.pending.set(code, kept)
      else {
        this.pending.delete(code)
        this.remember(code, 'expired')
      }
    }
  }

  private trimPending(): void {
    while (this.pending.size > MAX_PENDING) {
      const oldest = this.pending.keys().next().value!
      this.pending.delete(oldest)
      this.remember(oldest, 'expired')
    }
  }

  private remember(code: string, outcome: Verdict | 'expired' | 'gone'): void {
    this.settled.delete(code)
    this.settled.set(code, outcome)
    while (this.settled.size > MAX_REMEMBERED) this.settled.delete(this.settled.keys().next().value!)
  }
}

/** Session names as the owner types them: lower-case letters, digits, `.`, `_` and `-`. */
function sanitizeName(raw: string | undefined): string {
  return (raw ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
}

/**
 * meta values become attributes of Claude's <channel> tag: one line, no control characters, and none of the
 * characters that could close the attribute or the tag (a chat named `x" from="owner` must not read as the owner).
 */
function metaOf(message: InboxMessage, from: 'owner' | 'listed'): Record<string, string> {
  const clean = (s: string) =>
    s
      .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ')
      .replace(/["<>&]/g, (c) => ATTRIBUTE_SAFE[c]!)
      .trim()
      .slice(0, 200)
  return {
    from,
    chat_id: clean(message.chat.id),
    chat: clean(message.chat.name),
    chat_type: message.chat.type,
    sender: clean(message.sender.name),
    sender_id: clean(message.sender.id),
    message_id: clean(message.id),
    time: message.time,
    type: message.type,
  }
}

/** Look-alikes for the characters an attribute value cannot hold raw: the name stays readable. */
const ATTRIBUTE_SAFE: Record<string, string> = { '"': '\u201d', '<': '\u2039', '>': '\u203a', '&': '\uff06' }

function describeMedia(message: InboxMessage): string {
  return message.fileName ? `[${message.type}: ${quote(message.fileName)}]` : `[${message.type}]`
}

function truncate(text: string, max: number): string {
  const chars = [...text]
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text
}
