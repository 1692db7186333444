/**
 * The partial-match search runs over one joined string (for speed at 50,000 contacts); it must give exactly what a
 * plain scan of every entry gives: address-book order, one result per entry, exact matches left out, the limit kept,
 * and the index kept current through upserts and removals.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Directory, normalizeName, type ContactEntry } from '../../src/wechat/directory.js'

/** The reference: a plain scan in insertion order (an upsert moves an entry to the end, as a Map does). */
function naive(book: Map<string, ContactEntry>, query: string, limit: number) {
  const q = normalizeName(query)
  if (!q) return { exact: [], partial: [] }
  const friends = [...book.values()].filter((c) => c.friend)
  const keys = (c: ContactEntry) => [c.name, c.alias ?? ''].map(normalizeName).filter(Boolean)
  const exact = friends.filter((c) => keys(c).includes(q)).map((c) => c.id)
  const partial = friends
    .filter((c) => !keys(c).includes(q) && keys(c).some((k) => k.includes(q)))
    .slice(0, limit)
    .map((c) => c.id)
  return { exact, partial }
}

const name = fc.stringMatching(/^[张王小明aAbB ]{1,4}$/)
const contact = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), name, alias: fc.option(name, { nil: undefined }), friend: fc.boolean() })
const op = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), contact }),
  fc.record({ kind: fc.constant('lookup' as const), query: name, limit: fc.integer({ min: 1, max: 4 }) }),
)

describe('partial matches over the joined index', () => {
  it('equal a plain scan, through upserts and lookups in any order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const directory = new Directory()
        const book = new Map<string, ContactEntry>()
        for (const o of ops) {
          if (o.kind === 'upsert') {
            const entry: ContactEntry = { ...o.contact, ...(o.contact.alias === undefined ? { alias: undefined } : {}) }
            if (entry.alias === undefined) delete entry.alias
            book.delete(entry.id)
            book.set(entry.id, entry)
            directory.upsertContact(entry)
          } else {
            const got = directory.findFriends(o.query, o.limit)
            const want = naive(book, o.query, o.limit)
            expect({ exact: got.exact.map((c) => c.id).sort(), partial: got.partial.map((c) => c.id) }).toEqual({ exact: want.exact.sort(), partial: want.partial })
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('finds a contact in the middle of a 50,000-contact book, once per entry even when both keys match', () => {
    const directory = new Directory()
    const contacts: ContactEntry[] = Array.from({ length: 50_000 }, (_, i) => ({ id: `c${i}`, name: `联系人${i}`, friend: true }))
    contacts[25_000] = { id: 'target', name: '欧阳明月', alias: '明月姐姐', friend: true }
    directory.replaceAll(contacts, [])
    expect(directory.findFriends('明月').partial.map((c) => c.id)).toEqual(['target'])
    expect(directory.findFriends('欧阳明月').exact.map((c) => c.id)).toEqual(['target'])
    directory.upsertContact({ id: 'c1', name: '明月', friend: true })
    expect(directory.findFriends('明月')).toMatchObject({ exact: [{ id: 'c1' }], partial: [{ id: 'target' }] })
  })
})
