/**
 * The in-memory address book: every contact and room the bot knows, indexed by normalised name, so a lookup
 * never walks the whole address book through Wechaty (5,000 contacts is a normal account). It is data: the web road
 * (roads/web/) feeds it from Wechaty on login and on contact/room events, and lends it a way to re-read the whole
 * address book when a name is not found.
 */

import { forEachYielding } from './yielding.js'

/**
 * "Exact" ignores letter case, surrounding whitespace and the Unicode normalisation form. NFKC also folds
 * compatibility forms (full-width ＡＢＣ, ligatures) that people type without seeing the difference; two names that
 * become equal this way are ambiguous, and ambiguity never sends.
 */
export function normalizeName(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase()
}

export interface ContactEntry {
  id: string
  name: string
  alias?: string
  /** Only friends are offered by find tools and reachable by name; room-only members and official accounts are not. */
  friend: boolean
}

export interface RoomEntry {
  id: string
  topic: string
  memberCount: number
}

interface Indexed<T> {
  entry: T
  keys: string[]
}

export const MATCH_KINDS = ['exact', 'partial'] as const
export type Match<T> = T & { match: (typeof MATCH_KINDS)[number] }

export interface Lookup<T> {
  exact: T[]
  partial: T[]
}

export type Resolution<T> =
  | { ok: true; entry: T }
  | { ok: false; reason: 'ambiguous'; candidates: T[] }
  | { ok: false; reason: 'not_found'; suggestions: T[] }
  | { ok: false; reason: 'unknown_id' }

/** Joins an entry's keys in the haystack; normalised names are trimmed text, so a query never contains it. */
const SEPARATOR = '\u0000'

/**
 * Every entry's keys in one string, in address-book order, so a partial match is a run of `indexOf` over one string
 * instead of a call per entry: at 50,000 contacts that is the difference between a lookup that costs as much as the
 * whole MCP round trip and one that does not show (bench/, docs/benchmarks.md). Rebuilt lazily after changes.
 */
interface Haystack<T> {
  text: string
  /** Where each entry's segment starts in `text`, ascending. */
  starts: number[]
  entries: Indexed<T>[]
}

class NameIndex<T extends { id: string }> {
  private readonly byId = new Map<string, Indexed<T>>()
  private readonly byKey = new Map<string, Set<string>>()
  private haystack?: Haystack<T>

  constructor(private readonly keysOf: (entry: T) => string[]) {}

  get size(): number {
    return this.byId.size
  }

  get(id: string): T | undefined {
    return this.byId.get(id)?.entry
  }

  upsert(entry: T): void {
    this.remove(entry.id)
    const keys = [...new Set(this.keysOf(entry).map(normalizeName).filter(Boolean))]
    this.byId.set(entry.id, { entry, keys })
    this.haystack = undefined
    for (const key of keys) {
      let ids = this.byKey.get(key)
      if (!ids) this.byKey.set(key, (ids = new Set()))
      ids.add(entry.id)
    }
  }

  remove(id: string): void {
    const old = this.byId.get(id)
    if (!old) return
    this.byId.delete(id)
    this.haystack = undefined
    for (const key of old.keys) {
      const ids = this.byKey.get(key)
      ids?.delete(id)
      if (ids?.size === 0) this.byKey.delete(key)
    }
  }

  clear(): void {
    this.byId.clear()
    this.byKey.clear()
    this.haystack = undefined
  }

  private buildHaystack(): Haystack<T> {
    const build = haystackBuilder<T>()
    for (const indexed of this.byId.values()) build.add(indexed)
    return build.done()
  }

  /** Every id, as of now. */
  ids(): string[] {
    return [...this.byId.keys()]
  }

  /** Builds the search string now, in slices, so the first lookup after a re-read does not build it on the loop. */
  async prepare(): Promise<void> {
    if (this.haystack) return
    const build = haystackBuilder<T>()
    // A snapshot: an upsert meanwhile drops the string again, and the next lookup rebuilds it.
    await forEachYielding([...this.byId.values()], (indexed) => build.add(indexed))
    this.haystack ??= build.done()
  }

  /** Exact matches (any key equal), then partial ones (any key contains the query), in address-book order. */
  lookup(query: string, limit: number, accept: (entry: T) => boolean = () => true): Lookup<T> {
    const q = normalizeName(query)
    if (!q) return { exact: [], partial: [] }
    const exactIds = this.byKey.get(q) ?? new Set<string>()
    const exact = [...exactIds].map((id) => this.byId.get(id)!.entry).filter(accept)
    const partial: T[] = []
    if (q.includes(SEPARATOR)) return { exact, partial }
    const { text, starts, entries } = (this.haystack ??= this.buildHaystack())
    let from = 0
    while (partial.length < limit) {
      const at = text.indexOf(q, from)
      if (at < 0) break
      const i = entryAt(starts, at)
      const { entry } = entries[i]
      if (!exactIds.has(entry.id) && accept(entry)) partial.push(entry)
      // One result per entry, however many of its keys match: go on from the next entry's segment.
      from = i + 1 < starts.length ? starts[i + 1] : text.length
    }
    return { exact, partial }
  }
}

/** One index of Directory.sync: false when it stopped because the sync is no longer current. */
async function syncIndex<T extends { id: string }>(index: NameIndex<T>, entries: readonly T[], skip: Map<string, unknown>, current: () => boolean): Promise<boolean> {
  const seen = new Set<string>()
  await forEachYielding(entries, (entry) => {
    if (!current()) return
    seen.add(entry.id)
    if (skip.has(entry.id)) return
    const old = index.get(entry.id)
    if (!old || !sameEntry(old, entry)) index.upsert(entry)
  })
  await forEachYielding(index.ids(), (id) => {
    if (current() && !seen.has(id) && !skip.has(id)) index.remove(id)
  })
  if (!current()) return false
  await index.prepare()
  return current()
}

/** Same fields, same values: entries are flat records of strings, numbers and booleans. */
function sameEntry(a: object, b: object): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
}

function haystackBuilder<T>() {
  const parts: string[] = []
  const starts: number[] = []
  const entries: Indexed<T>[] = []
  let offset = 0
  return {
    add(indexed: Indexed<T>): void {
      const segment = indexed.keys.join(SEPARATOR) + SEPARATOR
      starts.push(offset)
      entries.push(indexed)
      parts.push(segment)
      offset += segment.length
    },
    done(): Haystack<T> {
      return { text: parts.join(''), starts, entries }
    },
  }
}

/** The index of the last segment that starts at or before `offset` (binary search). */
function entryAt(starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}

const contactIndex = () => new NameIndex<ContactEntry>((c) => (c.alias ? [c.name, c.alias] : [c.name]))
const roomIndex = () => new NameIndex<RoomEntry>((r) => [r.topic])

/** Changes made by events while a sync runs: newer than what the sync read. A room mapped to undefined was removed. */
interface Touched {
  contacts: Map<string, ContactEntry>
  rooms: Map<string, RoomEntry | undefined>
}

/** A name that is not found is looked up again at the source, at most this often (WECHAT_REREAD_MIN_INTERVAL_S). */
export const STALE_AFTER_MS = 30_000

export class Directory {
  private contacts = contactIndex()
  private rooms = roomIndex()
  /** Bumped by every replaceAll: a sync that started before one is stale and stops. */
  private generation = 0
  private touchedDuringSync?: Touched
  private reread?: () => Promise<void>
  private staleAfterMs = STALE_AFTER_MS
  private lastRead = 0

  /** The road that fills this directory says how to re-read the whole address book, and at most how often. */
  setReread(reread: () => Promise<void>, minIntervalMs = STALE_AFTER_MS): void {
    this.reread = reread
    this.staleAfterMs = minIntervalMs
  }

  /** A name was not found: maybe a friend was added since the last read; look again, but not on every miss. */
  async refreshIfStale(): Promise<void> {
    if (this.reread && Date.now() - this.lastRead > this.staleAfterMs) await this.reread()
  }

  /** A lookup that finds nothing may be stale (a friend added a minute ago): look again after a re-read. */
  async lookupFresh<T>(find: (directory: this) => Lookup<T>): Promise<Lookup<T>> {
    const found = find(this)
    if (found.exact.length + found.partial.length > 0) return found
    await this.refreshIfStale()
    return find(this)
  }

  get contactCount(): number {
    return this.contacts.size
  }

  get roomCount(): number {
    return this.rooms.size
  }

  replaceAll(contacts: Iterable<ContactEntry>, rooms: Iterable<RoomEntry>): void {
    this.generation++
    this.touchedDuringSync = undefined
    this.contacts.clear()
    this.rooms.clear()
    for (const c of contacts) this.contacts.upsert(c)
    for (const r of rooms) this.rooms.upsert(r)
    this.lastRead = Date.now()
  }

  /**
   * Brings the directory in line with a whole read of the address book without holding the event loop: the work is
   * done in slices with turns of the loop between them. Changes that events make meanwhile win over the read.
   * Returns false, having changed nothing more, when a replaceAll (a logout) came first.
   *
   * A first read (the directory is empty) is built beside and swapped in whole: half a book could make a name look
   * unique while its namesake is not read yet. A re-read changes in place only what differs, usually nothing (a
   * re-read after a typo finds the same book); building a second 50,000-entry index each time allocated enough to
   * cause long garbage collections. In place, every state in between answers as the old book or the new one would.
   */
  async sync(contacts: readonly ContactEntry[], rooms: readonly RoomEntry[]): Promise<boolean> {
    const generation = ++this.generation
    const touched: Touched = { contacts: new Map(), rooms: new Map() }
    this.touchedDuringSync = touched
    const current = () => generation === this.generation
    if (this.contacts.size === 0 && this.rooms.size === 0) {
      const [nextContacts, nextRooms] = [contactIndex(), roomIndex()]
      await forEachYielding(contacts, (c) => nextContacts.upsert(c))
      await forEachYielding(rooms, (r) => nextRooms.upsert(r))
      await nextContacts.prepare()
      await nextRooms.prepare()
      if (!current()) return false
      for (const entry of touched.contacts.values()) nextContacts.upsert(entry)
      for (const [id, entry] of touched.rooms) {
        if (entry) nextRooms.upsert(entry)
        else nextRooms.remove(id)
      }
      this.contacts = nextContacts
      this.rooms = nextRooms
    } else {
      if (!(await syncIndex(this.contacts, contacts, touched.contacts, current))) return false
      if (!(await syncIndex(this.rooms, rooms, touched.rooms, current))) return false
    }
    this.touchedDuringSync = undefined
    this.lastRead = Date.now()
    return true
  }

  upsertContact(entry: ContactEntry): void {
    this.contacts.upsert(entry)
    this.touchedDuringSync?.contacts.set(entry.id, entry)
  }

  upsertRoom(entry: RoomEntry): void {
    this.rooms.upsert(entry)
    this.touchedDuringSync?.rooms.set(entry.id, entry)
  }

  removeRoom(id: string): void {
    this.rooms.remove(id)
    this.touchedDuringSync?.rooms.set(id, undefined)
  }

  contact(id: string): ContactEntry | undefined {
    return this.contacts.get(id)
  }

  room(id: string): RoomEntry | undefined {
    return this.rooms.get(id)
  }

  /**
   * File Transfer's own names (see isFileTransferName) find File Transfer alone as the exact match: a friend who
   * took one of them as nickname or remark is shown among the partial matches, so it is never sent to by that name.
   */
  findFriends(query: string, limit = 20): Lookup<ContactEntry> {
    const found = this.contacts.lookup(query, limit, isFriend)
    if (!isFileTransferName(query)) return found
    const fileTransfer = this.contacts.get(FILEHELPER_ID)
    const others = [...found.exact, ...found.partial].filter((c) => c.id !== FILEHELPER_ID)
    return { exact: fileTransfer ? [fileTransfer] : [], partial: others.slice(0, limit) }
  }

  findRooms(query: string, limit = 20): Lookup<RoomEntry> {
    return this.rooms.lookup(query, limit)
  }

  /** The send rule for friends: exactly one friend whose remark or nickname equals the name, or a known friend id. */
  resolveFriend(target: { id?: string; name?: string }): Resolution<ContactEntry> {
    if (target.id !== undefined) {
      const entry = this.contacts.get(target.id)
      // File Transfer is no friend in WeChat's flags, but it is the user's own chat and always a valid target.
      return entry && (entry.friend || entry.id === FILEHELPER_ID) ? { ok: true, entry } : { ok: false, reason: 'unknown_id' }
    }
    return resolveName(this.findFriends(target.name ?? '', 10))
  }

  /** The send rule for rooms: exactly one room with that exact topic, or a known room id. */
  resolveRoom(target: { id?: string; name?: string }): Resolution<RoomEntry> {
    if (target.id !== undefined) {
      const entry = this.rooms.get(target.id)
      return entry ? { ok: true, entry } : { ok: false, reason: 'unknown_id' }
    }
    return resolveName(this.findRooms(target.name ?? '', 10))
  }
}

/** The user's own File Transfer chat (文件传输助手). */
export const FILEHELPER_ID = 'filehelper'

/** What File Transfer is called: its id, and its own name in WeChat's Chinese and English apps. */
const FILE_TRANSFER_NAMES = new Set([FILEHELPER_ID, '文件传输助手', 'File Transfer'].map(normalizeName))

/**
 * Whether a name means File Transfer. Anyone can take "filehelper" or "文件传输助手" as a nickname, and the user's own
 * chat must not be confused with them: these names are File Transfer's, resolved to its id only.
 */
export function isFileTransferName(name: string): boolean {
  return FILE_TRANSFER_NAMES.has(normalizeName(name))
}

/** How a contact carrying one of File Transfer's names is told apart from it wherever it is listed. */
export const TAKES_FILE_TRANSFER_NAME = "a friend who took File Transfer's name, not File Transfer"

/** A contact that carries one of File Transfer's names without being it (shown with a warning, never sent to by it). */
export function takesFileTransferName(c: { id: string; name: string; alias?: string }): boolean {
  return c.id !== FILEHELPER_ID && (isFileTransferName(c.name) || (c.alias !== undefined && isFileTransferName(c.alias)))
}

function isFriend(c: ContactEntry): boolean {
  return c.friend
}

function resolveName<T>(found: Lookup<T>): Resolution<T> {
  if (found.exact.length === 1) return { ok: true, entry: found.exact[0] }
  if (found.exact.length > 1) return { ok: false, reason: 'ambiguous', candidates: found.exact }
  return { ok: false, reason: 'not_found', suggestions: found.partial }
}
