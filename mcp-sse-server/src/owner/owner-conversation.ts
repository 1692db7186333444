/**
 * The owner conversation: the agent writing to the user themself and reading their answers, one way for the model
 * whatever carries it. Two roads can: iLink (WeChat's official ClawBot, owner-only, low risk) when it is logged in,
 * else File Transfer (文件传输助手) on the web road, where the owner types on their phone. WECHAT_OWNER_ROAD pins one.
 * Every send goes through the one Sender (pacing, repeat guard, audit); the answers land in the inbox as the chat `me`.
 */
import type { InboxMessage } from '../wechat/inbox.js'
import { FILEHELPER_ID } from '../wechat/directory.js'
import type { FileSendRequest, SendErrorCode, SendResult, Sender } from '../wechat/sender.js'
import type { LoadedFile } from '../wechat/files.js'
import type { WeChat } from '../wechat/wechat.js'
import { OWNER_CHAT_ID, OWNER_CHAT_NAME, type OwnerRoadId, type OwnerRoadSetting } from './owner-road.js'

/** What the web road lends the owner conversation. */
export interface WebOwnerPort {
  isLoggedIn(): boolean
  loginHint(): string
  sender: Sender
}

/** What the iLink road lends it, once that road is on (ILINK_ENABLED). */
export interface IlinkOwnerPort {
  isLoggedIn(): boolean
  loginHint(): string
  /** Synchronous: may a message go to the owner now (the 24-hour window, the per-message budget)? */
  canSend(): { ok: true } | { ok: false; message: string }
  sendText(tool: string, text: string, signal?: AbortSignal): Promise<SendResult>
  sendFile(request: OwnerFileRequest & { tool: string }, signal?: AbortSignal): Promise<OwnerSendResult>
}

export type OwnerFileRequest = Pick<FileSendRequest, 'source' | 'load' | 'caption'>

export type RoadChoice = { ok: true; road: OwnerRoadId } | { ok: false; message: string }

export type OwnerSendResult = SendResult & { road?: OwnerRoadId; file?: Omit<LoadedFile, 'file'>; captionError?: SendErrorCode }

const ROAD_NAMES: Record<OwnerRoadId, string> = { ilink: 'ClawBot (iLink)', filehelper: 'File Transfer (文件传输助手)' }

export class OwnerConversation {
  constructor(
    private readonly setting: OwnerRoadSetting,
    private readonly web: WebOwnerPort,
    private readonly ilink?: IlinkOwnerPort,
  ) {}

  /** The chat as the conversation tools show it. */
  readonly chat: InboxMessage['chat'] = { type: 'contact', id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }

  /** The road the owner conversation takes right now, or why there is none (in words the model can pass on). */
  road(): RoadChoice {
    const { setting, web, ilink } = this
    if (setting === 'ilink' || (setting === 'auto' && ilink?.isLoggedIn())) {
      if (!ilink) {
        return {
          ok: false,
          message:
            'WECHAT_OWNER_ROAD=ilink, but the iLink (ClawBot) road is off. Ask the user to set ILINK_ENABLED=true and bind ClawBot ' +
            'on the login page, or to set WECHAT_OWNER_ROAD=auto so File Transfer on the web road is used; then restart the server.',
        }
      }
      if (!ilink.isLoggedIn()) return { ok: false, message: `The iLink (ClawBot) road is not logged in (WECHAT_OWNER_ROAD=ilink). ${ilink.loginHint()}` }
      return { ok: true, road: 'ilink' }
    }
    if (web.isLoggedIn()) return { ok: true, road: 'filehelper' }
    if (setting === 'auto' && ilink) {
      return { ok: false, message: `No road to the user is open: neither WeChat nor ClawBot (iLink) is logged in. ${web.loginHint()} ${ilink.loginHint()}` }
    }
    return { ok: false, message: `No road to the user is open: WeChat is not logged in. ${web.loginHint()}` }
  }

  /** Whether File Transfer carries the owner conversation right now (its messages then belong to the chat `me`). */
  usesFileHelper(): boolean {
    const choice = this.road()
    // Before any road is up, what File Transfer shows once the web road logs in is the owner's, unless iLink is pinned.
    return choice.ok ? choice.road === 'filehelper' : this.setting !== 'ilink'
  }

  async sendText(tool: string, text: string, signal?: AbortSignal): Promise<OwnerSendResult> {
    const choice = this.road()
    if (!choice.ok) return this.refuse(tool, text, 'road_unavailable', `Not sent: ${choice.message}`)
    if (choice.road === 'ilink') {
      const refused = this.ilinkRefusal()
      if (refused) return this.refuse(tool, text, 'road_unavailable', refused)
      return this.onRoad('ilink', await this.ilink!.sendText(tool, text, signal))
    }
    return this.onRoad('filehelper', await this.web.sender.send({ tool, kind: 'contact', target: { id: FILEHELPER_ID }, text }, signal))
  }

  async sendFile(tool: string, request: OwnerFileRequest, signal?: AbortSignal): Promise<OwnerSendResult> {
    const choice = this.road()
    if (!choice.ok) return this.refuse(tool, request.caption ?? '', 'road_unavailable', `Not sent: ${choice.message}`)
    if (choice.road === 'ilink') {
      const refused = this.ilinkRefusal()
      if (refused) return this.refuse(tool, request.caption ?? '', 'road_unavailable', refused)
      return this.onRoad('ilink', await this.ilink!.sendFile({ tool, ...request }, signal))
    }
    const result = await this.web.sender.sendFile({ tool, kind: 'contact', target: { id: FILEHELPER_ID }, ...request }, signal)
    return this.onRoad('filehelper', result)
  }

  /** Arguments that cannot be sent at all: audited like every other attempt. */
  refuse(tool: string, text: string, code: SendErrorCode, message: string): Promise<OwnerSendResult> {
    return this.web.sender.refuse({ tool, kind: 'contact', target: { id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }, text }, message, code)
  }

  /** Refused at once outside ClawBot's window or budget: queued, it would only fail later. */
  private ilinkRefusal(): string | undefined {
    const allowed = this.ilink!.canSend()
    return allowed.ok ? undefined : `Not sent: ${allowed.message}`
  }

  private onRoad(road: OwnerRoadId, result: OwnerSendResult): OwnerSendResult {
    // The sender names File Transfer by its contact name; to the model this is "the user", reached on a road.
    const named = result.target ? `to "${result.target.name}"` : undefined
    const message = named ? result.message.replace(named, `to the user through ${ROAD_NAMES[road]}`) : result.message
    return { ...result, road, message }
  }
}

/**
 * The owner conversation over the roads this process has, tied back into the web road so File Transfer's messages
 * are the chat `me` exactly while File Transfer carries the conversation.
 */
export function ownerConversation(
  setting: OwnerRoadSetting,
  wechat: Pick<WeChat, 'isLoggedIn' | 'loginHint' | 'sender' | 'fileHelperIsOwnerChat'>,
  ilink?: IlinkOwnerPort,
): OwnerConversation {
  const web = { isLoggedIn: () => wechat.isLoggedIn, loginHint: () => wechat.loginHint(), sender: wechat.sender }
  const owner = new OwnerConversation(setting, web, ilink)
  wechat.fileHelperIsOwnerChat = () => owner.usesFileHelper()
  return owner
}
