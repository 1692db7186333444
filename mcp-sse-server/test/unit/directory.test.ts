import { describe, expect, it } from 'vitest'
import { Directory, normalizeName } from '../../src/wechat/directory.js'

function book(): Directory {
  const d = new Directory()
  d.replaceAll(
    [
      { id: 'zhang', name: '张三', alias: '老张', friend: true },
      { id: 'li', name: '李四', alias: '王五', friend: true },
      { id: 'wang', name: '王五', friend: true },
      { id: 'ming1', name: '小明', alias: '明明', friend: true },
      { id: 'ming2', name: '小明', friend: true },
      { id: 'emma', name: 'Emma 🌸', friend: true },
      { id: 'cafe', name: 'Café', friend: true },
      { id: 'stranger', name: 'Stranger', friend: false },
    ],
    [
      { id: 'fam', topic: '家庭群', memberCount: 3 },
      { id: 't1', topic: 'Team', memberCount: 2 },
      { id: 't2', topic: 'team', memberCount: 2 },
      { id: 't3', topic: 'Team Alpha', memberCount: 2 },
    ],
  )
  return d
}

describe('normalizeName', () => {
  it('ignores case, surrounding whitespace and normalisation form', () => {
    expect(normalizeName('  ALICE ')).toBe('alice')
    expect(normalizeName('Cafe\u0301')).toBe(normalizeName('Café'))
  })
})

describe('the send rule (friends)', () => {
  const cases: Array<[string, { id?: string; name?: string }, string]> = [
    ['unique nickname', { name: '张三' }, 'ok:zhang'],
    ['unique remark', { name: '老张' }, 'ok:zhang'],
    ['remark vs someone else’s nickname', { name: '王五' }, 'ambiguous:li,wang'],
    ['two exact nicknames', { name: '小明' }, 'ambiguous:ming1,ming2'],
    ['partial only', { name: '老' }, 'not_found:zhang'],
    ['emoji name, other case and spaces', { name: '  emma 🌸 ' }, 'ok:emma'],
    ['decomposed accent', { name: 'Cafe\u0301' }, 'ok:cafe'],
    ['not a friend', { name: 'Stranger' }, 'not_found:'],
    ['known id', { id: 'ming2' }, 'ok:ming2'],
    ['unknown id', { id: 'nope' }, 'unknown_id'],
    ['id of a non-friend', { id: 'stranger' }, 'unknown_id'],
  ]
  it.each(cases)('%s', (_label, target, expected) => {
    const r = book().resolveFriend(target)
    const got = r.ok
      ? `ok:${r.entry.id}`
      : r.reason === 'ambiguous'
        ? `ambiguous:${r.candidates.map((c) => c.id).sort().join(',')}`
        : r.reason === 'not_found'
          ? `not_found:${r.suggestions.map((c) => c.id).join(',')}`
          : r.reason
    expect(got).toBe(expected)
  })
})

describe('the send rule (rooms)', () => {
  it('sends only on exactly one exact topic', () => {
    const d = book()
    expect(d.resolveRoom({ name: '家庭群' })).toMatchObject({ ok: true, entry: { id: 'fam' } })
    expect(d.resolveRoom({ name: 'TEAM' })).toMatchObject({ ok: false, reason: 'ambiguous' })
    expect(d.resolveRoom({ name: 'Alpha' })).toMatchObject({ ok: false, reason: 'not_found', suggestions: [{ id: 't3' }] })
  })
})

describe('lookups', () => {
  it('puts exact matches before partial ones and never offers non-friends', () => {
    const found = book().findFriends('小')
    expect(found.exact).toEqual([])
    expect(found.partial.map((c) => c.id)).toEqual(['ming1', 'ming2'])
    expect(book().findFriends('Strang').partial).toEqual([])
  })

  it('follows updates without a full rebuild', () => {
    const d = book()
    d.upsertContact({ id: 'zhang', name: '张三', alias: '张总', friend: true })
    expect(d.resolveFriend({ name: '老张' }).ok).toBe(false)
    expect(d.resolveFriend({ name: '张总' })).toMatchObject({ ok: true, entry: { id: 'zhang' } })
    d.removeRoom('fam')
    expect(d.findRooms('家庭群').exact).toEqual([])
  })

  it('stays fast enough to index a large address book (5,000 friends)', () => {
    const d = new Directory()
    d.replaceAll(
      Array.from({ length: 5000 }, (_, i) => ({ id: `c${i}`, name: `Friend ${i}`, alias: i % 2 ? `备注${i}` : undefined, friend: true })),
      [],
    )
    expect(d.contactCount).toBe(5000)
    expect(d.resolveFriend({ name: '备注4999' })).toMatchObject({ ok: true, entry: { id: 'c4999' } })
    expect(d.findFriends('friend 49', 5).partial).toHaveLength(5)
  })
})

describe('compatibility forms', () => {
  it('full-width letters match their plain form', () => {
    const d = new Directory()
    d.replaceAll([{ id: 'abc', name: 'ABC Studio', friend: true }], [])
    expect(d.resolveFriend({ name: 'ＡＢＣ studio' })).toMatchObject({ ok: true, entry: { id: 'abc' } })
  })
})
