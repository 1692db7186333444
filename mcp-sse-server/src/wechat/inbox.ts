/**
 * Recent messages, per chat, in memory: what the bot saw (inbound and its own sends), so the agent can read replies
 * and wait for one. Memory is bounded three ways: each chat keeps its last `perChat` messages; past `maxTotal`
 * messages or `maxBytes` of text overall, the oldest messages of the least recently active chats go first; and one
 * message keeps at most `maxTextChars` of its text (a forwarded chat history can be megabytes of XML). Waiting costs nothing while
 * nothing happens: a waiter is a resolver in a map, woken by the message event itself.
 */

import { Stamps } from './clock.js'

/** The one list behind the type and every schema that names a chat's kind. */
export const CHAT_TYPES = ['contact', 'room'] as const
export type ChatType = (typeof CHAT_TYPES)[number]

/** Text, or what kind of non-text message it is: the one list behind the type, the schema and docs/tools.md. */
export const MESSAGE_KINDS = [
  'text',
  'image',
  'file',
  'voice',
  'video',
  'link',
  'emoticon',
  'contact_card',
  'location',
  'mini_program',
  'transfer',
  'red_envelope',
  'recalled',
  'chat_history',
  'other',
] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

export interface InboxMessage {
  id: string
  chat: { type: ChatType; id: string; name: string }
  sender: { id: string; name: string; self: boolean }
  /** When this process received it (ISO 8601, unique and increasing across the inbox, so `since` is exact). */
  time: string
  type: MessageKind
  text?: string
  fileName?: string
}

export interface ChatSummary {
  chat: InboxMessage['chat']
  lastMessage: InboxMessage
  /** Messages from others since the agent last looked at this chat (getRecentMessages, or a wait that returned). */
  unread: number
  kept: number
}

export type WaitOutcome = { kind: 'message'; message: InboxMessage } | { kind: 'aborted' } | { kind: 'cleared' }

/** A fixed-capacity FIFO: pushing past capacity drops the oldest; O(1) both ends. */
class Ring<T> {
  private readonly items: (T | undefined)[]
  private head = 0
  size = 0

  constructor(readonly capacity: number) {
    this.items = new Array(capacity)
  }

  push(item: T): T | undefined {
    const dropped = this.size === this.capacity ? this.shift() : undefined
    this.items[(this.head + this.size) % this.capacity] = item
    this.size++
    return dropped
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.capacity
    this.size--
    return item
  }

  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.size; i++) out.push(this.items[(this.head + i) % this.capacity]!)
    return out
  }
}

interface Chat {
  info: InboxMessage['chat']
  messages: Ring<Stored>
  unread: number
}

/** The message with its time as a number, for comparisons without reparsing. */
interface Stored {
  at: number
  /** What it costs, roughly: its strings (two bytes a character) and the object around them. */
  bytes: number
  message: InboxMessage
}

interface Waiter {
  since: number
  done: (outcome: WaitOutcome) => void
}

export interface InboxOptions {
  perChat: number
  maxTotal: number
  maxBytes?: number
  maxTextChars?: number
  now?: () => number
  /** Shared with the senders, so a message kept after a send is always later than its `sentAt` (wechat/clock.ts). */
  stamps?: Stamps
}

const DEFAULT_MAX_TEXT_CHARS = 8_000
const OVERHEAD_BYTES = 300

export class Inbox {
  /** Map order is activity order: the first entry is the least recently active chat. */
  private readonly chats = new Map<string, Chat>()
  private readonly waiters = new Map<string, Set<Waiter>>()
  private total = 0
  private bytes = 0

  private readonly listeners = new Set<(message: InboxMessage) => void>()

  private readonly stamps: Stamps

  constructor(private readonly options: InboxOptions) {
    this.stamps = options.stamps ?? new Stamps(options.now)
  }

  /** Calls `listener` with every message kept from now on (the channel pushes the owner's from here). */
  onMessage(listener: (message: InboxMessage) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get size(): number {
    return this.total
  }

  /** Roughly how much memory the kept messages take. */
  get sizeBytes(): number {
    return this.bytes
  }

  get waiting(): number {
    let n = 0
    for (const set of this.waiters.values()) n += set.size
    return n
  }

  /** Adds a message (its `time` is assigned here) and wakes the waiters it answers. */
  add(input: Omit<InboxMessage, 'time'>): InboxMessage {
    // Times are unique and increasing, so "after the message I last saw" never drops or repeats one.
    const at = this.stamps.next()
    const message: InboxMessage = { ...input, ...this.capped(input.text), time: new Date(at).toISOString() }
    const key = chatKey(message.chat.type, message.chat.id)
    let chat = this.chats.get(key)
    if (chat) this.chats.delete(key)
    else chat = { info: message.chat, messages: new Ring(this.options.perChat), unread: 0 }
    chat.info = message.chat
    this.chats.set(key, chat)
    if (!message.sender.self) chat.unread++
    const bytes = sizeOf(message)
    this.bytes += bytes
    const dropped = chat.messages.push({ at, bytes, message })
    if (dropped) this.dropped(chat, dropped)
    else this.total++
    const maxBytes = this.options.maxBytes ?? Infinity
    while (this.total > this.options.maxTotal || (this.bytes > maxBytes && this.total > 1)) this.evictOldest()
    if (!message.sender.self) this.wake(key, at, message)
    for (const listener of this.listeners) listener(message)
    return message
  }

  /** A chat the inbox holds messages of, by id (contact or room). */
  chat(id: string): InboxMessage['chat'] | undefined {
    return (this.chats.get(chatKey('contact', id)) ?? this.chats.get(chatKey('room', id)))?.info
  }

  /** The chat's kept messages after `since` (oldest first), at most the newest `limit`. */
  recent(type: ChatType, id: string, options: { limit?: number; since?: number } = {}): InboxMessage[] {
    const chat = this.chats.get(chatKey(type, id))
    if (!chat) return []
    const since = options.since ?? -Infinity
    const list = chat.messages.toArray().filter((s) => s.at > since)
    return list.slice(Math.max(0, list.length - (options.limit ?? list.length))).map((s) => s.message)
  }

  /** Chats with kept messages, most recently active first. */
  chatsByActivity(limit = Infinity): ChatSummary[] {
    const out: ChatSummary[] = []
    for (const chat of [...this.chats.values()].reverse()) {
      if (out.length >= limit) break
      const messages = chat.messages.toArray()
      out.push({ chat: chat.info, lastMessage: messages[messages.length - 1].message, unread: chat.unread, kept: messages.length })
    }
    return out
  }

  /** The agent looked at the chat: nothing is unread, or only what came after `upTo`. */
  markSeen(type: ChatType, id: string, upTo?: number): void {
    const chat = this.chats.get(chatKey(type, id))
    if (!chat) return
    chat.unread = upTo === undefined ? 0 : chat.messages.toArray().filter((s) => s.at > upTo && !s.message.sender.self).length
  }

  /**
   * The first message from someone else in the chat after `since` (ms): at once if one is already kept, otherwise
   * when it arrives. Resolves `aborted` when the signal fires and `cleared` when the inbox is cleared (logout);
   * either way the waiter is gone from the map.
   */
  waitFor(type: ChatType, id: string, since: number, signal?: AbortSignal): Promise<WaitOutcome> {
    const key = chatKey(type, id)
    const kept = this.chats.get(key)?.messages.toArray().find((s) => s.at > since && !s.message.sender.self)
    if (kept) return Promise.resolve({ kind: 'message', message: kept.message })
    if (signal?.aborted) return Promise.resolve({ kind: 'aborted' })
    return new Promise((resolve) => {
      let set = this.waiters.get(key)
      if (!set) this.waiters.set(key, (set = new Set()))
      const onAbort = () => waiter.done({ kind: 'aborted' })
      const waiter: Waiter = {
        since,
        done: (outcome) => {
          signal?.removeEventListener('abort', onAbort)
          const current = this.waiters.get(key)
          current?.delete(waiter)
          if (current?.size === 0) this.waiters.delete(key)
          resolve(outcome)
        },
      }
      set.add(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Ids change at every login: forget every chat and release every waiter, except in the chat `except` (one whose id
   * outlives the login, such as the owner's `me`).
   */
  clear(except?: { type: ChatType; id: string }): void {
    const kept = except && chatKey(except.type, except.id)
    for (const [key, chat] of [...this.chats]) {
      if (key === kept) continue
      for (const stored of chat.messages.toArray()) this.bytes -= stored.bytes
      this.total -= chat.messages.size
      this.chats.delete(key)
    }
    for (const [key, set] of [...this.waiters]) {
      if (key === kept) continue
      for (const w of [...set]) w.done({ kind: 'cleared' })
      this.waiters.delete(key)
    }
  }

  private wake(key: string, at: number, message: InboxMessage): void {
    const set = this.waiters.get(key)
    if (!set) return
    for (const waiter of [...set]) if (at > waiter.since) waiter.done({ kind: 'message', message })
  }

  private dropped(chat: Chat, stored: Stored): void {
    // The ring dropped its oldest message to make room; the total did not change. Unread cannot exceed what is kept.
    this.bytes -= stored.bytes
    chat.unread = Math.min(chat.unread, chat.messages.size)
  }

  private evictOldest(): void {
    const [key, chat] = this.chats.entries().next().value as [string, Chat]
    const stored = chat.messages.shift()
    if (stored) this.bytes -= stored.bytes
    this.total--
    chat.unread = Math.min(chat.unread, chat.messages.size)
    if (chat.messages.size === 0) this.chats.delete(key)
  }

  private capped(text: string | undefined): { text?: string } {
    const max = this.options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS
    if (text === undefined || text.length <= max) return text === undefined ? {} : { text }
    return { text: `${text.slice(0, max)}… [${text.length - max} more characters not kept]` }
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }
}

function sizeOf(m: InboxMessage): number {
  const chars = (m.text?.length ?? 0) + (m.fileName?.length ?? 0) + m.chat.name.length + m.sender.name.length + m.id.length
  return OVERHEAD_BYTES + 2 * chars
}

function chatKey(type: ChatType, id: string): string {
  return `${type}:${id}`
}
