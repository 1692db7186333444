/**
 * A person approves a send before it leaves (WECHAT_CONFIRM_SENDS). The sender calls this once the recipient is
 * resolved and allowed and the file (if any) is loaded, and before the repeat guard and the pacing queue: the queue
 * never waits on a person, and a refused send never bothers one. Who is asked (WECHAT_CONFIRM_VIA): the MCP client
 * through elicitation, the owner on their phone, or, when neither can be asked, nobody yet: the send comes back as a
 * preview with a one-time id that only a second call with exactly the same send can spend.
 */
import type { Config } from '../config.js'
import { createHash } from 'node:crypto'
import { OWNER_CHAT_ID } from '../owner/owner-road.js'
import { FILEHELPER_ID } from '../wechat/directory.js'
import { quote } from '../wechat/quote.js'
import type { OwnerAnswers } from './owner-answers.js'
import { Previews } from './previews.js'
import type { ConfirmedBy, ConfirmStop } from './settings.js'
import type { Fail, Ok } from '../result.js'

/** The MCP session a tool call came from, as far as confirmation needs it. */
export interface ConfirmClient {
  /** Binds previews: an id issued to one session is refused in another. */
  readonly session: string
  /** Whether the client declared (form) elicitation. */
  canElicit(): boolean
  /** Asks the person at the client; rejects on timeout, a closed session or a cancelled call. */
  elicit(message: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<'accept' | 'decline' | 'cancel'>
}

/** The owner conversation, as confirmation needs it: is it up, and a way to put a question to the owner. */
export interface OwnerLine {
  available(): boolean
  /** Resolves undefined once the question is on its way, or why it could not be sent. */
  ask(text: string): Promise<string | undefined>
}

/** What a send tool hands the sender besides the send itself. */
export interface ConfirmRequest {
  client?: ConfirmClient
  /** The id from an earlier preview (the tools' `confirm` argument). */
  token?: string
}

/** The send as the person sees it. */
export interface SendSummary {
  tool: string
  recipient: { type: 'contact' | 'room'; id: string; name: string; alias?: string }
  what: { kind: 'text'; text: string } | { kind: 'file'; name: string; size: number; caption?: string }
  /** SHA-256 of exactly what would go out. */
  digest: string
}

/** A stop's `detail` is the reason without a lead: the sender's refusal text writes "Not sent (yet)". */
export type ConfirmOutcome = Ok<{ by: ConfirmedBy }> | Fail<ConfirmStop, { asked?: 'client' | 'owner'; preview?: { id: string; expiresAt: string } }>

export interface ConfirmerDeps {
  config: Pick<Config, 'confirm'>
  answers: OwnerAnswers
  owner?: OwnerLine
  previews?: Previews
}

export class Confirmer {
  private readonly previews: Previews

  constructor(private readonly deps: ConfirmerDeps) {
    this.previews = deps.previews ?? new Previews()
  }

  /**
   * False when this send needs nobody's approval: confirmation is off, the send did not come from a tool (a
   * notification, an answer to the owner), or it goes to the user themself (File Transfer, or sendMessageToMe's chat
   * `me`) under `others`.
   */
  needed(recipient: { type: 'contact' | 'room'; id: string }, request: ConfirmRequest | undefined): request is ConfirmRequest {
    const { sends } = this.deps.config.confirm
    if (sends === 'off' || !request) return false
    return !(sends === 'others' && recipient.type === 'contact' && (recipient.id === FILEHELPER_ID || recipient.id === OWNER_CHAT_ID))
  }

  /** Asks, or checks a preview's id; call only for a send that needed() says must be approved. */
  async confirm(summary: SendSummary, request: ConfirmRequest, signal?: AbortSignal): Promise<ConfirmOutcome> {
    const session = request.client?.session ?? 'none'
    const binding = { session, recipient: `${summary.recipient.type}:${summary.recipient.id}`, digest: summary.digest }
    if (request.token !== undefined) {
      const redeemed = this.previews.redeem(request.token, binding)
      if (redeemed.ok) return { ok: true, by: 'preview' }
      return {
        ok: false,
        code: 'confirmation_invalid',
        detail: `the confirmation id ${quote(request.token)} does not fit this send: ${redeemed.why}. Nothing went out. Call again without \`confirm\` for a new preview, show it to the user, and wait for their word.`,
      }
    }
    const via = this.deps.config.confirm.via
    const client = request.client?.canElicit() ? request.client : undefined
    const owner = this.deps.owner?.available() ? this.deps.owner : undefined
    if (client && via !== 'owner') return this.askClient(client, summary, signal)
    if (owner && via !== 'client') {
      const asked = await this.askOwner(owner, summary, signal)
      if (asked) return asked
    }
    const preview = this.previews.issue(binding)
    return {
      ok: false,
      code: 'confirmation_required',
      preview,
      detail:
        `the user approves every message before it goes out, and this client cannot ask them. Show the user exactly this and wait for their word:\n` +
        `${describe(summary)}\n` +
        `Only if they approve, call ${summary.tool} again with the same recipient and exactly the same content, plus confirm: ${quote(preview.id)} ` +
        `(good once, for 5 minutes, in this session only). If they change anything, call without \`confirm\` for a new preview. If they say no, send nothing.`,
    }
  }

  private async askClient(client: ConfirmClient, summary: SendSummary, signal?: AbortSignal): Promise<ConfirmOutcome> {
    const timeoutS = this.deps.config.confirm.timeoutS
    try {
      const action = await client.elicit(`${describe(summary)}\n\nSend it?`, { timeoutMs: timeoutS * 1000, ...(signal ? { signal } : {}) })
      if (action === 'accept') return { ok: true, by: 'client' }
      return declined('client', action === 'decline' ? 'the user declined it' : 'the user dismissed the question')
    } catch (err) {
      // Checked first: the SDK reports an aborted request with the same code as a timeout.
      if (signal?.aborted) return declined('client', 'the question ended unanswered: the session closed or the call was cancelled')
      if (isTimeout(err)) return timedOut('client', timeoutS)
      return declined('client', 'the question could not be answered (the session closed or the client refused it)')
    }
  }

  /** Undefined when the question could not reach the owner (the preview takes over). */
  private async askOwner(owner: OwnerLine, summary: SendSummary, signal?: AbortSignal): Promise<ConfirmOutcome | undefined> {
    const { answers } = this.deps
    const timeoutS = this.deps.config.confirm.timeoutS
    const code = answers.newCode()
    const timer = AbortSignal.timeout(timeoutS * 1000)
    const stop = signal ? AbortSignal.any([timer, signal]) : timer
    // Listening before asking: the owner's phone may answer before the send of the question returns.
    const verdict = answers.wait(code, stop)
    const failed = await owner.ask(`🔐 ${describe(summary)}\nReply "ok ${code}" to send it or "no ${code}" to stop (also 是/否). Nothing goes out without your answer; it expires in ${describeSeconds(timeoutS)}.`)
    if (failed !== undefined) {
      answers.cancel(code)
      await verdict
      return undefined
    }
    const answer = await verdict
    if (answer === 'allow') return { ok: true, by: 'owner' }
    if (answer === 'deny') return declined('owner', 'the user declined it on their phone')
    if (timer.aborted) return timedOut('owner', timeoutS)
    return declined('owner', 'the request was cancelled while the user was asked')
  }
}

function declined(asked: 'client' | 'owner', why: string): ConfirmOutcome {
  return { ok: false, code: 'declined', asked, detail: `${why}. Nothing went out; do not send it again unless the user asks.` }
}

function timedOut(asked: 'client' | 'owner', timeoutS: number): ConfirmOutcome {
  const where = asked === 'client' ? 'in the client' : 'on their phone'
  return { ok: false, code: 'confirmation_timeout', asked, detail: `the user did not answer ${where} within ${describeSeconds(timeoutS)} (WECHAT_CONFIRM_TIMEOUT_S). Nothing went out; ask the user before trying again.` }
}

/** The SDK's own request timeout (-32001), as opposed to a closed session or a cancelled call. */
function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === -32001
}

/** "Send to "张三" (remark "老张", friend, id c-zhang): «…»" — names quoted, as everything that came from WeChat. */
export function describe(summary: SendSummary): string {
  const { recipient: r, what } = summary
  const who = `${quote(r.name)} (${r.alias ? `remark ${quote(r.alias)}, ` : ''}${r.type === 'room' ? 'group' : r.id === FILEHELPER_ID ? 'your File Transfer' : r.id === OWNER_CHAT_ID ? 'yourself' : 'friend'}, id ${quote(r.id)})`
  if (what.kind === 'text') return `Send to ${who}:\n«${what.text}»`
  const caption = what.caption !== undefined ? `\nthen the caption:\n«${what.caption}»` : ''
  return `Send to ${who} the file ${quote(what.name)} (${describeSize(what.size)})${caption}`
}

/** SHA-256 of exactly what would go out: what a preview's id is bound to. `bytes` are the file's, for a file. */
export function sendDigest(what: SendSummary['what'], bytes?: Uint8Array): string {
  const hash = createHash('sha256')
  if (what.kind === 'text') return hash.update('text\u0000').update(what.text).digest('hex')
  hash.update(`file\u0000${what.name}\u0000${what.caption ?? ''}\u0000`)
  if (bytes) hash.update(bytes)
  return hash.digest('hex')
}

function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function describeSeconds(s: number): string {
  return s % 60 === 0 ? `${s / 60} minute${s === 60 ? '' : 's'}` : `${s} s`
}
