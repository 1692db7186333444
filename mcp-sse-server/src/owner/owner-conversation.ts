/**
 * The owner conversation: the agent writing to the user themself and reading their answers, one way for the model
 * whatever carries it. Two roads can: iLink (WeChat's official ClawBot, owner-only, low risk) when it is logged in,
 * else File Transfer (文件传输助手) on the web road, where the owner types on their phone. WECHAT_OWNER_ROAD pins one.
 * Sends go through the same pacing queue and audit log as every other send; the answers are the inbox's chat `me`.
 */
import { sendDigest, type Confirmer, type ConfirmRequest, type SendSummary } from '../confirm/confirmer.js'
import type { ConfirmedBy } from '../confirm/settings.js'
import type { OutboundContent, RoadId, RoadMessage, RoadTarget } from '../roads/road.js'
import type { Roads } from '../roads/roads.js'
import { FILEHELPER_ID } from '../wechat/directory.js'
import { isRefusal, type FileRefusal, type LoadedFile } from '../wechat/files.js'
import type { InboxMessage } from '../wechat/inbox.js'
import type { ConfirmationFacts, FileFacts, FileSendRequest, FileSendResult, SendErrorCode, SendFailure, Sender } from '../wechat/sender.js'
import type { Fail, Ok, Result } from '../result.js'
import type { OutboxCode } from '../roads/ilink/outbox.js'
import { FileHelperEchoes, ownerView } from './filehelper-echo.js'
import { OWNER_CHAT_ID, OWNER_CHAT_NAME, type OwnerRoadId, type OwnerRoadSetting } from './owner-road.js'

/**
 * What the iLink road lends the owner conversation, once that road runs: its window/budget check, and sends that go
 * through the shared pacing queue and audit log (the road's outbox).
 */
export interface IlinkOwnerPort {
  /** Synchronous: may a message go to the owner now (the 24-hour window, the per-message budget)? */
  canSend(): Ok | Fail<string>
  send(tool: string, content: OutboundContent, signal?: AbortSignal, confirmedBy?: ConfirmedBy): Promise<Result<{ sentAt: string; auditProblem?: string }, OutboxCode, { unconfirmed?: true }>>
}

export interface OwnerConversationDeps {
  setting: OwnerRoadSetting
  roads: Pick<Roads, 'isLoggedIn' | 'hint' | 'has'>
  sender: Sender
  ilink?: IlinkOwnerPort
  /** WECHAT_CONFIRM_SENDS=all: sendMessageToMe is approved like every other send, whatever road then carries it. */
  confirmer?: Confirmer
}

export type OwnerFileRequest = Pick<FileSendRequest, 'source' | 'load' | 'caption'>

/** No road: `not_logged_in` when logging in would open one, `road_unavailable` when the configuration rules it out. */
export type RoadChoice = Ok<{ road: OwnerRoadId }> | Fail<'not_logged_in' | 'road_unavailable'>

/** A send's facts plus the road that carried it (wechat/send-text.ts then names the user, not File Transfer). */
export type OwnerSendResult = FileSendResult & { road?: OwnerRoadId }

export class OwnerConversation {
  /** The chat as the conversation tools show it. */
  readonly chat: InboxMessage['chat'] = { type: 'contact', id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }
  /** What this process sent to File Transfer, so its echo is never taken for the owner's reply. */
  readonly echoes = new FileHelperEchoes()

  constructor(private readonly deps: OwnerConversationDeps) {}

  /** The road the owner conversation takes right now, or why there is none (in words the model can pass on). */
  road(): RoadChoice {
    const { setting, roads } = this.deps
    const ilinkRuns = roads.has('ilink') && this.deps.ilink !== undefined
    if (setting === 'ilink' || (setting === 'auto' && ilinkRuns && roads.isLoggedIn('ilink'))) {
      if (!ilinkRuns) {
        return {
          ok: false,
          code: 'road_unavailable',
          detail:
            'WECHAT_OWNER_ROAD=ilink, but the iLink (ClawBot) road is off. Ask the user to set ILINK_ENABLED=true and bind ClawBot ' +
            'on the login page, or to set WECHAT_OWNER_ROAD=auto so File Transfer on the web road is used; then restart the server.',
        }
      }
      if (!roads.isLoggedIn('ilink')) return { ok: false, code: 'not_logged_in', detail: `The iLink (ClawBot) road is not logged in (WECHAT_OWNER_ROAD=ilink). ${roads.hint('ilink')}` }
      return { ok: true, road: 'ilink' }
    }
    if (roads.isLoggedIn('web')) return { ok: true, road: 'filehelper' }
    if (setting === 'auto' && ilinkRuns) {
      return { ok: false, code: 'not_logged_in', detail: `No road to the user is open: neither WeChat nor ClawBot (iLink) is logged in. ${roads.hint('web')} ${roads.hint('ilink')}` }
    }
    return { ok: false, code: 'not_logged_in', detail: `No road to the user is open: WeChat is not logged in. ${roads.hint('web')}` }
  }

  /** Whether File Transfer carries the owner conversation right now (its messages then belong to the chat `me`). */
  usesFileHelper(): boolean {
    const choice = this.road()
    // Before any road is up, what File Transfer shows once the web road logs in is the owner's, unless iLink is pinned.
    return choice.ok ? choice.road === 'filehelper' : this.deps.setting !== 'ilink'
  }

  /** Call for every send on the web road, before it goes to WeChat: its echo may come back before the send returns. */
  noteWebSend(to: RoadTarget, content: OutboundContent): void {
    if (to.type !== 'contact' || to.id !== FILEHELPER_ID) return
    this.echoes.expect(content.kind === 'text' ? content.text : { name: content.name })
  }

  /** A message as the inbox keeps it: File Transfer becomes the chat `me` while it carries the owner conversation. */
  view(road: RoadId, message: RoadMessage): RoadMessage {
    return road === 'web' ? ownerView(message, this.echoes, this.usesFileHelper()) : message
  }

  /** `confirm`: set by sendMessageToMe, never by the confirmation question itself (which would ask about itself). */
  async sendText(tool: string, text: string, signal?: AbortSignal, confirm?: ConfirmRequest): Promise<OwnerSendResult> {
    const choice = this.road()
    if (!choice.ok) return this.refuse(tool, text, choice.code, choice.detail)
    let confirmedBy: ConfirmedBy | undefined
    if (this.mustConfirm(confirm)) {
      // Refusals that need no person come first: nobody is asked about a send that could not go out anyway.
      const invalid = this.deps.sender.checkText(text)
      if (invalid) return this.refuse(tool, text, 'invalid_message', invalid)
      const closed = choice.road === 'ilink' ? this.ilinkClosed() : undefined
      if (closed) return this.refuse(tool, text, 'road_unavailable', closed)
      const what: SendSummary['what'] = { kind: 'text', text }
      const approval = await this.approve(tool, what, sendDigest(what), confirm, signal)
      if (!approval.ok) return this.refuse(tool, text, approval.code, approval.detail, approval)
      confirmedBy = approval.by
    }
    const approved = confirmedBy ? { confirmedBy } : {}
    if (choice.road === 'ilink') {
      const invalid = this.deps.sender.checkText(text)
      if (invalid) return this.refuse(tool, text, 'invalid_message', invalid)
      return this.viaIlink(tool, { kind: 'text', text }, signal, confirmedBy)
    }
    return { ...(await this.deps.sender.send({ tool, kind: 'contact', target: { id: FILEHELPER_ID }, text, ...approved }, signal)), road: 'filehelper' }
  }

  async sendFile(tool: string, request: OwnerFileRequest, signal?: AbortSignal, confirm?: ConfirmRequest): Promise<OwnerSendResult> {
    const choice = this.road()
    const caption = request.caption ?? ''
    if (!choice.ok) return this.refuse(tool, caption, choice.code, choice.detail)
    let confirmedBy: ConfirmedBy | undefined
    if (this.mustConfirm(confirm)) {
      const invalid = request.caption !== undefined ? this.deps.sender.checkText(request.caption, 'caption') : undefined
      if (invalid) return this.refuse(tool, caption, 'invalid_message', invalid)
      const closed = choice.road === 'ilink' ? this.ilinkClosed() : undefined
      if (closed) return this.refuse(tool, caption, 'road_unavailable', closed)
      // Loaded once, here: the person approves these bytes, and the road sends these bytes.
      const loaded = await request.load()
      if (isRefusal(loaded)) return this.refuse(tool, caption, loaded.code, loaded.detail)
      const what: SendSummary['what'] = { kind: 'file', name: loaded.name, size: loaded.size, ...(request.caption !== undefined ? { caption: request.caption } : {}) }
      const approval = await this.approve(tool, what, sendDigest(what, Buffer.from(await loaded.file.toBuffer())), confirm, signal)
      if (!approval.ok) return { ...(await this.refuse(tool, caption, approval.code, approval.detail, approval)), file: fileFacts(loaded) }
      confirmedBy = approval.by
      request = { ...request, load: async () => loaded }
    }
    if (choice.road === 'filehelper') {
      const approved = confirmedBy ? { confirmedBy } : {}
      return { ...(await this.deps.sender.sendFile({ tool, kind: 'contact', target: { id: FILEHELPER_ID }, ...request, ...approved }, signal)), road: 'filehelper' }
    }
    const invalid = request.caption !== undefined ? this.deps.sender.checkText(request.caption, 'caption') : undefined
    if (invalid) return this.refuse(tool, caption, 'invalid_message', invalid)
    // Checked before the download: a send ClawBot would refuse should not cost one.
    const closed = this.ilinkClosed()
    if (closed) return this.refuse(tool, caption, 'road_unavailable', closed)
    const loaded: LoadedFile | FileRefusal = await request.load()
    if (isRefusal(loaded)) return this.refuse(tool, caption, loaded.code, loaded.detail)
    const { file: box, ...file } = loaded
    const content: OutboundContent = { kind: 'file', name: file.name, mediaType: file.mediaType, size: file.size, bytes: async () => Buffer.from(await box.toBuffer()) }
    const sent = await this.viaIlink(tool, content, signal, confirmedBy)
    if (!sent.ok || request.caption === undefined) return { ...sent, file }
    const after = await this.viaIlink(tool, { kind: 'text', text: request.caption }, signal, confirmedBy)
    const auditProblem = sent.auditProblem ?? (after.ok ? after.auditProblem : undefined)
    return { ...sent, file, caption: after.ok ? { ok: true } : after, ...(auditProblem ? { auditProblem } : {}) }
  }

  private mustConfirm(confirm: ConfirmRequest | undefined): confirm is ConfirmRequest {
    return this.deps.confirmer?.needed({ type: 'contact', id: OWNER_CHAT_ID }, confirm) ?? false
  }

  /**
   * Asked before a road is taken, with the recipient `me`: a preview stays good if ClawBot comes or goes in between,
   * since either road reaches the same person.
   */
  private approve(tool: string, what: SendSummary['what'], digest: string, confirm: ConfirmRequest, signal?: AbortSignal) {
    const recipient = { type: 'contact' as const, id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }
    return this.deps.confirmer!.confirm({ tool, recipient, what, digest }, confirm, signal)
  }

  /** A send refused before any road took it: audited like every other attempt. */
  refuse(tool: string, text: string, code: SendErrorCode, detail: string, facts: Pick<ConfirmationFacts, 'asked' | 'preview'> = {}): Promise<SendFailure> {
    const { asked, preview } = facts
    return this.deps.sender.refuse({ tool, kind: 'contact', target: { id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }, text }, detail, code, { ...(asked ? { asked } : {}), ...(preview ? { preview } : {}) })
  }

  /** Refused at once outside ClawBot's window or budget: queued, it would only fail later. */
  private ilinkClosed(): string | undefined {
    const allowed = this.deps.ilink!.canSend()
    return allowed.ok ? undefined : allowed.detail
  }

  /** The iLink outbox audits every attempt itself, refusals included. */
  private async viaIlink(tool: string, content: OutboundContent, signal?: AbortSignal, confirmedBy?: ConfirmedBy): Promise<OwnerSendResult> {
    const target = { type: 'contact' as const, id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }
    const result = await this.deps.ilink!.send(tool, content, signal, confirmedBy)
    if (!result.ok) return { ok: false, road: 'ilink', target, code: ownerCode(result.code), detail: result.detail, ...(result.unconfirmed ? { unconfirmed: true as const } : {}) }
    const { sentAt, auditProblem } = result
    return { ok: true, road: 'ilink', target, sentAt, ...(auditProblem ? { auditProblem } : {}), ...(confirmedBy ? { confirmedBy } : {}) }
  }
}

/**
 * What an iLink refusal answers: the codes it shares with every send pass as they are; ClawBot's own (no login,
 * window, budget, an ended login) mean this road to the user is closed for now.
 */
function ownerCode(code: OutboxCode): SendErrorCode {
  return code === 'queue_full' || code === 'cancelled' || code === 'send_failed' || code === 'audit_unavailable' ? code : 'road_unavailable'
}

function fileFacts({ name, size, mediaType, source }: LoadedFile): FileFacts {
  return { name, size, mediaType, source }
}
