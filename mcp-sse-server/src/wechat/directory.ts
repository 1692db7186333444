/**
 * The in-memory address book: every contact and room the bot knows, indexed by normalised name, so a lookup
 * never walks the whole address book through Wechaty (5,000 contacts is a normal account). It is pure data:
 * wechat.ts feeds it from Wechaty on login and on contact/room events.
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

export type Match<T> = T & { match: 'exact' | 'partial' }

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

  /** Builds the search string now, in slices, so the first lookup after a re-read does not build it on the loop. */
  async prepare(): Promise<void> {
    const build = haystackBuilder<T>()
    await forEachYielding(this.byId.values(), (indexed) => build.add(indexed))
    this.haystack = build.done()
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

export class Directory {
  private contacts = contactIndex()
  private rooms = roomIndex()
  /** Bumped by every replaceAll: a gradual replace that started before one is stale and is dropped. */
  private generation = 0
  /** While a gradual replace builds its index, single changes are noted here and replayed onto the new index. */
  private changesDuringBuild?: Array<(contacts: NameIndex<ContactEntry>, rooms: NameIndex<RoomEntry>) => void>

  get contactCount(): number {
    return this.contacts.size
  }

  get roomCount(): number {
    return this.rooms.size
  }

  replaceAll(contacts: Iterable<ContactEntry>, rooms: Iterable<RoomEntry>): void {
    this.generation++
    this.changesDuringBuild = undefined
    this.contacts.clear()
    this.rooms.clear()
    for (const c of contacts) this.contacts.upsert(c)
    for (const r of rooms) this.rooms.upsert(r)
  }

  /**
   * replaceAll for a whole re-read, without holding the event loop: the new index is built beside the current one in
   * slices and swapped in at once; lookups meanwhile answer from the current one, and changes that arrive meanwhile
   * (a remark edited, a room renamed) are applied to both. Returns false, changing nothing, when a replaceAll (a
   * logout) came first.
   */
  async replaceAllGradually(contacts: readonly ContactEntry[], rooms: readonly RoomEntry[]): Promise<boolean> {
    const generation = ++this.generation
    const changes: NonNullable<Directory['changesDuringBuild']> = []
    this.changesDuringBuild = changes
    const nextContacts = contactIndex()
    const nextRooms = roomIndex()
    let applied = 0
    const replay = () => {
      for (; applied < changes.length; applied++) changes[applied](nextContacts, nextRooms)
    }
    await forEachYielding(contacts, (c) => nextContacts.upsert(c))
    await forEachYielding(rooms, (r) => nextRooms.upsert(r))
    replay()
    await nextContacts.prepare()
    await nextRooms.prepare()
    if (generation !== this.generation) return false
    // The few that arrived while the search strings were built (each drops its index's prepared string).
    replay()
    this.changesDuringBuild = undefined
    this.contacts = nextContacts
    this.rooms = nextRooms
    return true
  }

  upsertContact(entry: ContactEntry): void {
    this.contacts.upsert(entry)
    this.changesDuringBuild?.push((contacts) => contacts.upsert(entry))
  }

  upsertRoom(entry: RoomEntry): void {
    this.rooms.upsert(entry)
    this.changesDuringBuild?.push((_, rooms) => rooms.upsert(entry))
  }

  removeRoom(id: string): void {
    this.rooms.remove(id)
    this.changesDuringBuild?.push((_, rooms) => rooms.remove(id))
  }

  contact(id: string): ContactEntry | undefined {
    return this.contacts.get(id)
  }

  room(id: string): RoomEntry | undefined {
    return this.rooms.get(id)
  }

  findFriends(query: string, limit = 20): Lookup<ContactEntry> {
    return this.contacts.lookup(query, limit, isFriend)
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

function isFriend(c: ContactEntry): boolean {
  return c.friend
}

function resolveName<T>(found: Lookup<T>): Resolution<T> {
  if (found.exact.length === 1) return { ok: true, entry: found.exact[0] }
  if (found.exact.length > 1) return { ok: false, reason: 'ambiguous', candidates: found.exact }
  return { ok: false, reason: 'not_found', suggestions: found.partial }
}
