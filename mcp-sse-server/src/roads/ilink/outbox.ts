/**
 * Sends to the owner over the iLink road the way every WeChat send goes: refused at once when WeChat's window or
 * budget would refuse it (never queued to fail later), then through the shared pacing queue, and one audit line
 * per attempt, refused ones included. Used by the `ilink` notification channel and the owner tools.
 */
import { auditRefusal, type AuditLog } from '../../wechat/audit.js'
import { QueueFullError, SendAbandonedError, type Pacer } from '../../wechat/pacer.js'
import type { OutboundContent } from '../road.js'
import { OWNER_CHAT } from './inbound.js'
import type { IlinkRoad, IlinkSendCode } from './road.js'

export type OutboxCode = IlinkSendCode | 'queue_full' | 'cancelled' | 'audit_unavailable'
export type OutboxResult = { ok: true; sentAt: string; messageId: string } | { ok: false; code: OutboxCode; detail: string }

class AuditUnavailableError extends Error {}

export class IlinkOutbox {
  /** Admitted and waiting for their turn: they count against the budget already. */
  private queued = 0

  constructor(
    private readonly road: Pick<IlinkRoad, 'canSend' | 'sendToOwner'>,
    private readonly pacer: Pacer,
    private readonly audit: AuditLog,
  ) {}

  /** The synchronous check, with what this outbox already holds counted. */
  canSend(): ReturnType<IlinkRoad['canSend']> {
    return this.road.canSend(this.queued)
  }

  async send(tool: string, content: OutboundContent, signal?: AbortSignal): Promise<OutboxResult> {
    const result = await this.attempt(content, signal)
    await this.audit.record({
      tool,
      target: { type: OWNER_CHAT.type, id: OWNER_CHAT.id, name: OWNER_CHAT.name },
      text: content.kind === 'text' ? content.text : '',
      ...(content.kind === 'file' ? { file: content.name } : {}),
      ok: result.ok,
      ...(result.ok ? {} : { error: `${result.code}: ${result.detail}` }),
    })
    return result
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
          check: async () => {
            const problem = await this.audit.ensureWritable()
            if (problem) throw new AuditUnavailableError(problem)
          },
        },
      )
    } catch (err) {
      if (err instanceof AuditUnavailableError) return { ok: false, code: 'audit_unavailable', detail: auditRefusal(err.message) }
      if (err instanceof QueueFullError) return { ok: false, code: 'queue_full', detail: `Not sent: ${err.message}.` }
      if (err instanceof SendAbandonedError) return { ok: false, code: 'cancelled', detail: `Not sent: ${err.message}.` }
      throw err
    } finally {
      if (!started) this.queued--
    }
  }
}
