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

describe('Directory.replaceAllGradually', () => {
  it('builds 50,000 contacts beside the old index with turns of the loop between slices, then swaps', async () => {
    const d = new Directory()
    d.replaceAll([{ id: 'old', name: 'Old Friend', friend: true }], [])
    const turns = loopTurns()
    let lookupsMeanwhile = 0
    const during = (async () => {
      // While the new index is built, lookups answer at once, from the old one.
      while (d.findFriends('Old Friend').exact.length === 1) {
        lookupsMeanwhile++
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    expect(await d.replaceAllGradually(contacts(50_000), [{ id: 'r', topic: 'Room', memberCount: 2 }])).toBe(true)
    expect(turns.stop()).toBeGreaterThan(1)
    await during
    expect(lookupsMeanwhile).toBeGreaterThan(1)
    expect(d.contactCount).toBe(50_000)
    expect(d.findFriends('Old Friend').exact).toEqual([])
    expect(d.resolveFriend({ name: 'remark 300' })).toMatchObject({ ok: true, entry: { id: 'person-300' } })
    expect(d.findRooms('Room').exact.map((r) => r.id)).toEqual(['r'])
  })

  it('keeps a change that arrives while it builds (a remark edited, a room renamed or left)', async () => {
    const d = new Directory()
    d.replaceAll([], [{ id: 'gone', topic: 'Left Room', memberCount: 2 }])
    const building = d.replaceAllGradually(contacts(20_000), [
      { id: 'gone', topic: 'Left Room', memberCount: 2 },
      { id: 'r1', topic: 'Old Topic', memberCount: 2 },
    ])
    d.upsertContact({ id: 'person-5', name: 'person 5', alias: 'edited remark', friend: true })
    d.upsertRoom({ id: 'r1', topic: 'New Topic', memberCount: 2 })
    d.removeRoom('gone')
    expect(await building).toBe(true)
    expect(d.resolveFriend({ name: 'edited remark' })).toMatchObject({ ok: true, entry: { id: 'person-5' } })
    expect(d.findRooms('New Topic').exact.map((r) => r.id)).toEqual(['r1'])
    expect(d.findRooms('Old Topic').exact).toEqual([])
    expect(d.room('gone')).toBeUndefined()
  })

  it('loses to a replaceAll that comes while it builds (a logout empties the book): the stale read is dropped', async () => {
    const d = new Directory()
    const building = d.replaceAllGradually(contacts(20_000), [])
    d.replaceAll([], [])
    expect(await building).toBe(false)
    expect(d.contactCount).toBe(0)
  })
})
