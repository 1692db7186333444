/**
 * Who may reach an agent session through the channel: the owner, and the contacts and rooms the operator listed in
 * CHANNEL_SENDERS. Entries are names, and names can be changed by others, so each entry is matched under the send rule
 * (exactly one friend or room with that exact name, else nobody) and pinned to that id until the id disappears (a new
 * login): a friend who renames themselves to a listed name makes the entry ambiguous, never lets them in.
 */
import type { Directory } from '../wechat/directory.js'
import type { InboxMessage } from '../wechat/inbox.js'
import type { SenderClass } from './hub.js'

export interface SenderRules {
  directory: Directory
  /** CHANNEL_SENDERS: names, remarks or topics. */
  listed: readonly string[]
  /** The owner's own messages on the owner road (iLink, or File Transfer typed on the phone). */
  isOwner: (message: InboxMessage) => boolean
}

export function senderClassifier({ directory, listed, isOwner }: SenderRules): (message: InboxMessage) => SenderClass {
  const pins = new Map<string, { type: 'contact' | 'room'; id: string }>()

  const pinned = (entry: string) => {
    const pin = pins.get(entry)
    if (pin && (pin.type === 'contact' ? directory.resolveFriend({ id: pin.id }) : directory.resolveRoom({ id: pin.id })).ok) return pin
    pins.delete(entry)
    const friend = directory.resolveFriend({ name: entry })
    const room = directory.resolveRoom({ name: entry })
    // A name that is a friend's and a room's at once is as ambiguous as two friends.
    if (friend.ok === room.ok) return undefined
    const next = friend.ok ? { type: 'contact' as const, id: friend.entry.id } : room.ok ? { type: 'room' as const, id: room.entry.id } : undefined
    if (next) pins.set(entry, next)
    return next
  }

  return (message) => {
    if (isOwner(message)) return 'owner'
    if (message.sender.self || listed.length === 0) return undefined
    for (const entry of listed) {
      const pin = pinned(entry)
      if (pin && pin.type === message.chat.type && pin.id === message.chat.id) return 'listed'
    }
    return undefined
  }
}
