/** A Sender over an in-memory address book, a recording (or failing) fake WeChat and a real audit log in a temp dir. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { AuditLog } from '../../src/wechat/audit.js'
import { Directory, type ContactEntry, type RoomEntry } from '../../src/wechat/directory.js'
import { Pacer } from '../../src/wechat/pacer.js'
import type { OutboundContent } from '../../src/roads/road.js'
import { Sender, type OutboundPort, type TargetKind } from '../../src/wechat/sender.js'
import { tempDir } from './server.js'

export interface SenderHarnessOptions {
  contacts?: ContactEntry[]
  rooms?: RoomEntry[]
  /** What the road does with a send (a text arrives as its string); records it when not given. */
  say?: (kind: TargetKind, id: string, content: string | OutboundContent) => Promise<void>
  loggedIn?: boolean
  allowedContacts?: string[]
  allowedRooms?: string[]
  repeatWindowS?: number
  maxMessageChars?: number
  pacer?: Pacer
  queueMax?: number
  dataDir?: string
}

export const DEFAULT_CONTACTS: ContactEntry[] = [
  { id: 'c1', name: '张三', alias: '老张', friend: true },
  { id: 'c2', name: 'Bob', friend: true },
  { id: 'filehelper', name: '文件传输助手', friend: true },
]
export const DEFAULT_ROOMS: RoomEntry[] = [{ id: 'r1', topic: '家庭群', memberCount: 3 }]

export function buildSender(options: SenderHarnessOptions = {}) {
  const directory = new Directory()
  directory.replaceAll(options.contacts ?? DEFAULT_CONTACTS, options.rooms ?? DEFAULT_ROOMS)
  const said: Array<{ kind: string; id: string; text: unknown }> = []
  const port: OutboundPort = {
    isLoggedIn: () => options.loggedIn ?? true,
    loginHint: () => 'Open http://127.0.0.1:8083/login and scan.',
    refreshIfStale: async () => undefined,
    send: async (to, content) => {
      const text = content.kind === 'text' ? content.text : content
      if (options.say) await options.say(to.type, to.id, text)
      else said.push({ kind: to.type, id: to.id, text })
    },
  }
  const dir = options.dataDir ?? tempDir()
  const auditErrors: unknown[] = []
  const audit = new AuditLog(dir, (t) => t, (err) => auditErrors.push(err))
  const pacer = options.pacer ?? new Pacer({ minIntervalMs: 0, maxPerMinute: 1000, queueMax: options.queueMax ?? 100 })
  const sender = new Sender(directory, port, pacer, audit, {
    maxMessageChars: options.maxMessageChars ?? 2000,
    repeatWindowS: options.repeatWindowS ?? 0,
    allowedContacts: options.allowedContacts,
    allowedRooms: options.allowedRooms,
  })
  const auditLines = () =>
    readFileSync(path.join(dir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { sender, said, directory, pacer, auditLines, auditErrors }
}
