/**
 * A whole re-read of the address book never holds the event loop (issue 13, item 5): the work is done in slices with
 * turns of the loop between them, lookups meanwhile answer from the old index, and nothing that happens meanwhile is
 * lost. Turns of the loop are counted with a chain of setImmediate callbacks, not timed.
 */
import { describe, expect, it } from 'vitest'
import { Directory, type ContactEntry } from '../../src/wechat/directory.js'
import { forEachYielding, mapYielding } from '../../src/wechat/yielding.js'

/** Counts turns of the event loop until stopped. */
function loopTurns(): { stop: () => number } {
  let turns = 0
  let running = true
  const spin = () => {
    if (!running) return
    turns++
    setImmediate(spin)
  }
  setImmediate(spin)
  return {
    stop: () => {
      running = false
      return turns
    },
  }
}

const contacts = (n: number, prefix = 'person'): ContactEntry[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, name: `${prefix} ${i}`, ...(i % 3 ? {} : { alias: `remark ${i}` }), friend: true }))

describe('yielding helpers', () => {
  it('forEachYielding visits every item in order and lets the loop turn between slices', async () => {
    const seen: number[] = []
    const turns = loopTurns()
    await forEachYielding(
      Array.from({ length: 1_000 }, (_, i) => i),
      (i) => seen.push(i),
      0,
    )
    expect(turns.stop()).toBeGreaterThan(1)
    expect(seen).toEqual(Array.from({ length: 1_000 }, (_, i) => i))
  })

  it('mapYielding keeps order, runs at most `concurrency` at once, leaves out failures and counts them', async () => {
    let running = 0
    let most = 0
    const turns = loopTurns()
    const { results, failed } = await mapYielding(
      Array.from({ length: 200 }, (_, i) => i),
      async (i) => {
        running++
        most = Math.max(most, running)
        await Promise.resolve()
        running--
        if (i % 50 === 7) throw new Error('cannot load')
        return i % 50 === 8 ? undefined : i * 2
      },
      { concurrency: 5, sliceMs: 0 },
    )
    expect(turns.stop()).toBeGreaterThan(1)
    expect(most).toBe(5)
    expect(failed).toBe(8)
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 50 !== 7 && i % 50 !== 8).map((i) => i * 2))
  })
})

describe('Directory.sync', () => {
  it('a first read of 50,000 contacts is built beside and swapped in whole, with turns of the loop in between', async () => {
    const d = new Directory()
    const turns = loopTurns()
    let emptyLookups = 0
    const during = (async () => {
      // Never half a book: until the swap, nothing is found; after it, everything is.
      while (d.contactCount === 0) {
        expect(d.findFriends('person 1').exact).toEqual([])
        emptyLookups++
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    expect(await d.sync(contacts(50_000), [{ id: 'r', topic: 'Room', memberCount: 2 }])).toBe(true)
    expect(turns.stop()).toBeGreaterThan(1)
    await during
    expect(emptyLookups).toBeGreaterThan(1)
    expect(d.contactCount).toBe(50_000)
    expect(d.resolveFriend({ name: 'remark 300' })).toMatchObject({ ok: true, entry: { id: 'person-300' } })
    expect(d.findRooms('Room').exact.map((r) => r.id)).toEqual(['r'])
  })

  it('a re-read changes in place only what differs, in slices: a rename, a removal, a new friend', async () => {
    const d = new Directory()
    const book = contacts(50_000)
    d.replaceAll(book, [])
    const unchanged = d.contact('person-1')
    const reread = book.filter((c) => c.id !== 'person-9').map((c) => (c.id === 'person-7' ? { ...c, name: 'renamed seven' } : { ...c }))
    reread.push({ id: 'newcomer', name: 'New Friend', friend: true })
    const turns = loopTurns()
    expect(await d.sync(reread, [])).toBe(true)
    expect(turns.stop()).toBeGreaterThan(1)
    expect(d.contact('person-1')).toBe(unchanged)
    expect(d.resolveFriend({ name: 'renamed seven' })).toMatchObject({ ok: true, entry: { id: 'person-7' } })
    expect(d.findFriends('person 7').exact).toEqual([])
    expect(d.contact('person-9')).toBeUndefined()
    expect(d.resolveFriend({ name: 'New Friend' })).toMatchObject({ ok: true, entry: { id: 'newcomer' } })
    expect(d.contactCount).toBe(50_000)
  })

  it.each([
    ['a first read', false],
    ['a re-read', true],
  ])('%s keeps a change that an event makes while it runs (a remark edited, a room renamed or left)', async (_, filled) => {
    const d = new Directory()
    const rooms = [
      { id: 'gone', topic: 'Left Room', memberCount: 2 },
      { id: 'r1', topic: 'Old Topic', memberCount: 2 },
    ]
    if (filled) d.replaceAll(contacts(20_000), rooms)
    const running = d.sync(contacts(20_000), rooms)
    d.upsertContact({ id: 'person-5', name: 'person 5', alias: 'edited remark', friend: true })
    d.upsertRoom({ id: 'r1', topic: 'New Topic', memberCount: 2 })
    d.removeRoom('gone')
    expect(await running).toBe(true)
    expect(d.resolveFriend({ name: 'edited remark' })).toMatchObject({ ok: true, entry: { id: 'person-5' } })
    expect(d.findRooms('New Topic').exact.map((r) => r.id)).toEqual(['r1'])
    expect(d.findRooms('Old Topic').exact).toEqual([])
    expect(d.room('gone')).toBeUndefined()
  })

  it.each([
    ['a first read', false],
    ['a re-read', true],
  ])('%s loses to a replaceAll that comes while it runs (a logout empties the book)', async (_, filled) => {
    const d = new Directory()
    if (filled) d.replaceAll(contacts(20_000), [])
    const running = d.sync(contacts(20_000, 'other'), [])
    d.replaceAll([], [])
    expect(await running).toBe(false)
    expect(d.contactCount).toBe(0)
  })
})
