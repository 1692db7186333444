/**
 * The owner's messages as inbox messages: one chat, `me`. Media is described by type and name (and a voice message
 * by its transcript when WeChat made one); nothing is downloaded. The text came from WeChat and stays untrusted.
 */
import { OWNER_CHAT_ID, OWNER_CHAT_NAME, OWNER_SENDER as OWNER_SENDER_SHARED } from '../../owner/owner-road.js'
import type { InboxMessage, MessageKind } from '../../wechat/inbox.js'
import type { RoadMessage } from '../road.js'
import { ITEM_TYPE, type MessageItem, type WireMessage } from './protocol.js'

/** The owner conversation's chat and the owner as its sender, the same whichever road carries it (owner/). */
export const OWNER_CHAT: InboxMessage['chat'] = { type: 'contact', id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }
export const OWNER_SENDER: InboxMessage['sender'] = { ...OWNER_SENDER_SHARED }
/** The agent's own sends, echoed into the chat so the conversation reads whole. */
export const BOT_SENDER: InboxMessage['sender'] = { id: 'clawbot', name: 'ClawBot', self: true }

const KIND_BY_ITEM: Record<number, MessageKind> = {
  [ITEM_TYPE.TEXT]: 'text',
  [ITEM_TYPE.IMAGE]: 'image',
  [ITEM_TYPE.VOICE]: 'voice',
  [ITEM_TYPE.FILE]: 'file',
  [ITEM_TYPE.VIDEO]: 'video',
}

/** One inbox message per item (a message usually has one). */
export function toInboxMessages(message: WireMessage): RoadMessage[] {
  const items = message.item_list?.length ? message.item_list : [{}]
  const baseId = String(message.message_id ?? message.client_id ?? `ilink-${message.seq ?? message.create_time_ms}`)
  return items.map((item, index) => ({
    id: items.length > 1 ? `${baseId}:${index}` : baseId,
    chat: OWNER_CHAT,
    sender: OWNER_SENDER,
    type: KIND_BY_ITEM[item.type ?? 0] ?? 'other',
    ...content(item),
  }))
}

function content(item: MessageItem): { text?: string; fileName?: string } {
  switch (item.type) {
    case ITEM_TYPE.TEXT:
      return nonEmpty({ text: quoted(item) + (item.text_item?.text ?? '') })
    case ITEM_TYPE.VOICE:
      return nonEmpty({ text: item.voice_item?.text })
    case ITEM_TYPE.FILE:
      return nonEmpty({ fileName: item.file_item?.file_name })
    default:
      return {}
  }
}

/** A reply that quotes an earlier message: the quote's summary first, so the agent knows what "this" refers to. */
function quoted(item: MessageItem): string {
  const title = item.ref_msg?.title ?? item.ref_msg?.message_item?.text_item?.text
  return title ? `「${title.slice(0, 200)}」\n` : ''
}

function nonEmpty(fields: { text?: string; fileName?: string }): { text?: string; fileName?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string' && v.length > 0))
}
