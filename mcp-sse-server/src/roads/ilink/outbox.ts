/**
 * Sends to the owner over the iLink road the way every WeChat send goes: refused at once when WeChat's window or
 * budget would refuse it (never queued to fail later), then through the shared pacing queue, and one audit line
 * per attempt, refused ones included. Used by the `ilink` notification channel and the owner tools.
 */
import { auditRefusal, type AuditLog } from '../../wechat/audit.js'
import { QueueFullError, SendAbandonedError, type Pacer } from '../../wechat/pacer.js'
import type { ConfirmedBy } from '../../confirm/settings.js'
import type { OutboundContent } from '../road.js'
import { OWNER_CHAT } from './inbound.js'
import type { IlinkRoad, IlinkSendCode } from './road.js'
import type { Result } from '../../result.js'
import type { SendErrorCode } from '../../wechat/sender.js'
import { refusalText } from '../../wechat/send-text.js'

/** ClawBot's own refusals, and the sender's codes for what the shared queue and audit log refuse. */
export type OutboxCode = IlinkSendCode | Extract<SendErrorCode, 'queue_full' | 'cancelled' | 'audit_unavailable'>
/** `auditProblem`: it went out, but its audit line could not be written (why). */
export type OutboxResult = Result<{ sentAt: string; messageId: string; auditProblem?: string }, OutboxCode, { unconfirmed?: true }>

class AuditUnavailableError extends Error {}

export class IlinkOutbox {
  /** Admitted and waiting for their turn: they count against the budget already. */
  private queued = 0

  constructor(
    private readonly road: Pick<IlinkRoad, 'canSend' | 'sendToOwner'>,
    private readonly pacer: Pacer,
    private readonly audit: Pick<AuditLog, 'record' | 'blocking' | 'ensureWritable' | 'health'>,
  ) {}

  /** The synchronous check, with what this outbox already holds counted. */
  canSend(): ReturnType<IlinkRoad['canSend']> {
    return this.road.canSend(this.queued)
  }

  /** `confirmedBy`: who approved it (sendMessageToMe under WECHAT_CONFIRM_SENDS=all), for the audit line. */
  async send(tool: string, content: OutboundContent, signal?: AbortSignal, confirmedBy?: ConfirmedBy): Promise<OutboxResult> {
    const result = await this.attempt(content, signal)
    const written = await this.audit.record({
      tool,
      target: { type: OWNER_CHAT.type, id: OWNER_CHAT.id, name: OWNER_CHAT.name },
      text: content.kind === 'text' ? content.text : '',
      ...(content.kind === 'file' ? { file: content.name } : {}),
      ok: result.ok,
      // The same sentence the tool or the notification answers with.
      ...(result.ok ? {} : { error: refusalText(result) }),
      ...(confirmedBy ? { confirmed_by: confirmedBy } : {}),
    })
    if (written || !result.ok) return result
    // It went out; only its line is missing. Say so, and the sender refuses everything until the log is writable.
    return { ...result, auditProblem: this.audit.health.ok ? 'the write failed' : this.audit.health.error }
  }

  private async attempt(content: OutboundContent, signal?: AbortSignal): Promise<OutboxResult> {
    // As for every WeChat send: nothing goes out that its audit line could not follow.
    const blocked = await this.audit.blocking()
    if (blocked) return { ok: false, code: 'audit_unavailable', detail: auditRefusal(blocked) }
    const check = this.canSend()
    if (!check.ok) return check
    this.queued++
    let started = false
    try {
      return await this.pacer.schedule(
        (): Promise<OutboxResult> => {
          started = true
          this.queued--
          return this.road.sendToOwner(content, signal)
        },
        signal,
        {
          road: 'ilink',
          check: async () => {
            const problem = await this.audit.ensureWritable()
            if (problem) throw new AuditUnavailableError(problem)
          },
        },
      )
    } catch (err) {
      if (err instanceof AuditUnavailableError) return { ok: false, code: 'audit_unavailable', detail: auditRefusal(err.message) }
      if (err instanceof QueueFullError) return { ok: false, code: 'queue_full', detail: `${err.message}.` }
      if (err instanceof SendAbandonedError) {
        const detail = err.reason === 'logout' ? 'the ClawBot login ended while this message waited for its turn in the outbound queue; it did not go out' : err.message
        return { ok: false, code: err.reason === 'logout' ? 'not_logged_in' : 'cancelled', detail: `${detail}.` }
      }
      throw err
    } finally {
      if (!started) this.queued--
    }
  }
}
