/**
 * On the web road the owner conversation is File Transfer (文件传输助手): the owner types there on their phone and the
 * agent writes there too, and WeChat reports both as messages sent by this account. The only way to tell the owner's
 * words from the agent's is to remember what this process sent there and recognise it when it comes back.
 *
 * Every send to File Transfer is noted before it reaches WeChat (its echo may arrive before the send call returns).
 * A message of this account in File Transfer that matches a noted send is that send's echo and consumes the note;
 * anything else is the owner. Matching forgives what the web protocol does to text on the way back (HTML entities,
 * emoji markup, whitespace); a note that is never echoed expires. When in doubt it errs towards "the agent's own":
 * missing one reply is recoverable, handing the agent its own words as the user's answer is not.
 */
import { OWNER_CHAT_ID, OWNER_CHAT_NAME, OWNER_SENDER } from './owner-road.js'
import { FILEHELPER_ID } from '../wechat/directory.js'
import type { InboxMessage } from '../wechat/inbox.js'

/** Long enough for a send that WeChat confirms late (SAY_TIMEOUT_MS is 60 s); a note older than this is dropped. */
export const ECHO_TTL_MS = 5 * 60_000
const MAX_NOTES = 200

type Note = { kind: 'text'; exact: string; loose: string; at: number } | { kind: 'file'; name: string; at: number }

export class FileHelperEchoes {
  private notes: Note[] = []

  constructor(private readonly now: () => number = Date.now) {}

  /** How many sends still await their echo. */
  get pending(): number {
    this.expire()
    return this.notes.length
  }

  /** Call before the send goes to WeChat: a text, or a file by the name it is sent under. */
  expect(content: string | { name: string }): void {
    this.expire()
    const at = this.now()
    this.notes.push(typeof content === 'string' ? { kind: 'text', exact: exactKey(content), loose: looseKey(content), at } : { kind: 'file', name: content.name, at })
    if (this.notes.length > MAX_NOTES) this.notes.shift()
  }

  /** Whether a message of this account in File Transfer is the echo of a noted send (the note is used up). */
  isEcho(message: Pick<InboxMessage, 'type' | 'text' | 'fileName'>): boolean {
    this.expire()
    const index = message.type === 'text' ? this.findText(message.text ?? '') : this.findFile(message.fileName)
    if (index < 0) return false
    this.notes.splice(index, 1)
    return true
  }

  clear(): void {
    this.notes = []
  }

  private findText(text: string): number {
    const exact = exactKey(text)
    const found = this.notes.findIndex((n) => n.kind === 'text' && n.exact === exact)
    if (found >= 0) return found
    const loose = looseKey(text)
    return loose === '' ? -1 : this.notes.findIndex((n) => n.kind === 'text' && n.loose === loose)
  }

  /** Images come back without a name, files sometimes renamed: the same name first, else the oldest file sent. */
  private findFile(name: string | undefined): number {
    const named = name === undefined ? -1 : this.notes.findIndex((n) => n.kind === 'file' && n.name === name)
    return named >= 0 ? named : this.notes.findIndex((n) => n.kind === 'file')
  }

  private expire(): void {
    const oldest = this.now() - ECHO_TTL_MS
    while (this.notes.length && this.notes[0].at < oldest) this.notes.shift()
  }
}

/** What wechat4u leaves encoded when it hands a message back (it decodes only &lt;, &gt; and <br/>). */
function decodeEntities(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
}

function exactKey(text: string): string {
  return decodeEntities(text).normalize('NFKC').trim().replace(/\s+/g, ' ')
}

/** Letters and digits only: survives emoji markup and punctuation rewritten on the way back. */
function looseKey(text: string): string {
  return decodeEntities(text)
    .normalize('NFKC')
    .replace(/<span class="emoji[^"]*"><\/span>/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '')
    .toLowerCase()
}

/**
 * A web-road message as the inbox keeps it: while File Transfer is the owner conversation, this account's messages
 * there belong to the chat `me`, as the owner's words unless they are the echo of a send. File Transfer's own notices
 * (not this account's) stay in its own chat: they are not the owner.
 */
export function ownerView(message: Omit<InboxMessage, 'time'>, echoes: FileHelperEchoes, isOwnerChat: boolean): Omit<InboxMessage, 'time'> {
  if (message.chat.type !== 'contact' || message.chat.id !== FILEHELPER_ID || !message.sender.self) return message
  // Consumed whatever the road, so a note cannot linger and later swallow one of the owner's messages.
  const echo = echoes.isEcho(message)
  if (!isOwnerChat) return message
  const chat = { type: 'contact' as const, id: OWNER_CHAT_ID, name: OWNER_CHAT_NAME }
  return echo ? { ...message, chat } : { ...message, chat, sender: { ...OWNER_SENDER } }
}
