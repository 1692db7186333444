/** A Wechaty message as the inbox keeps it. */
import type { Message } from 'wechaty'
import type { Directory } from '../../wechat/directory.js'
import type { MessageKind } from '../../wechat/inbox.js'
import type { RoadMessage } from '../road.js'

/** wechaty-puppet's MessageType numbers, without loading wechaty at module load. */
const KIND_BY_TYPE: Record<number, MessageKind> = {
  1: 'file',
  2: 'voice',
  3: 'contact_card',
  4: 'chat_history',
  5: 'emoticon',
  6: 'image',
  7: 'text',
  8: 'location',
  9: 'mini_program',
  11: 'transfer',
  12: 'red_envelope',
  13: 'recalled',
  14: 'link',
  15: 'video',
}

/**
 * A Wechaty message as the inbox keeps it. Synchronous on purpose: the bot's message handler runs it in arrival
 * order, and Wechaty has already loaded the talker, listener and room payloads before emitting the message.
 */
export function toInboxMessage(
  message: Message,
  directory: Directory,
  /** Where the puppet keeps no file name in the payload (the mock), a cheap synchronous way to find it. */
  fileNameOf?: (messageId: string) => string | undefined,
): RoadMessage {
  const talker = message.talker()
  const room = message.room()
  const self = message.self()
  const kind = KIND_BY_TYPE[message.type()] ?? 'other'
  const nameOf = (contact: { id: string; name(): string }) => {
    const entry = directory.contact(contact.id)
    return entry?.alias || entry?.name || contact.name()
  }
  let chat: RoadMessage['chat']
  if (room) {
    chat = { type: 'room', id: room.id, name: directory.room(room.id)?.topic || room.payload?.topic || room.id }
  } else {
    // One-to-one: the chat is the other person, whoever spoke.
    const other = self ? (message.listener() ?? talker) : talker
    chat = { type: 'contact', id: other.id, name: nameOf(other) }
  }
  const text = message.text()
  const fileName = message.payload?.filename || (kind !== 'text' ? fileNameOf?.(message.id) : undefined)
  return {
    id: message.id,
    chat,
    sender: { id: talker.id, name: self ? talker.name() : nameOf(talker), self },
    type: kind,
    ...(text ? { text } : {}),
    ...(fileName ? { fileName } : {}),
  }
}
