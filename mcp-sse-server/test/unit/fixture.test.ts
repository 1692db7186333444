import { describe, expect, it } from 'vitest'
import { DEMO_FIXTURE, FixtureError, parseFixture } from '../../src/roads/web/sandbox.js'

function errorOf(data: unknown): string {
  try {
    parseFixture(data, 'f.json')
  } catch (err) {
    expect(err).toBeInstanceOf(FixtureError)
    return (err as Error).message
  }
  throw new Error('expected a FixtureError')
}

describe('sandbox fixture', () => {
  it('accepts the demo address book and the contract example', () => {
    expect(parseFixture(DEMO_FIXTURE).contacts.length).toBeGreaterThanOrEqual(12)
    const f = parseFixture({
      self: { name: '我' },
      loginDelayMs: 0,
      contacts: [{ id: 'optional-stable-id', name: '张三', alias: '老张' }],
      rooms: [{ topic: '家庭群', members: ['张三'] }],
    })
    expect(f.rooms[0].members).toEqual(['张三'])
  })

  it('names the path of every bad field', () => {
    const msg = errorOf({ self: { name: '我' }, contacts: [{ name: 'ok' }, { name: 42 }], rooms: [{ topic: 'x', members: [] , colour: 'red' }] })
    expect(msg).toContain('contacts[1].name')
    expect(msg).toContain('rooms[0]')
    expect(msg).toMatch(/colour/)
  })

  it('rejects unknown fields, unknown members and duplicate ids', () => {
    expect(errorOf({ self: { name: '我' }, extra: true })).toMatch(/extra/)
    expect(errorOf({ self: { name: '我' }, contacts: [{ name: 'A' }], rooms: [{ topic: 'r', members: ['B'] }] })).toContain('rooms[0].members[0]')
    expect(errorOf({ self: { name: '我' }, contacts: [{ id: 'x', name: 'A' }, { id: 'x', name: 'B' }] })).toContain('contacts[1].id')
    expect(errorOf({ self: { name: '我' }, contacts: [{ name: 'A' }, { name: 'A' }], rooms: [{ topic: 'r', members: ['A'] }] })).toMatch(/use an id/)
  })
})

describe('lenient where WeChat is', () => {
  it('an empty remark means no remark', () => {
    const f = parseFixture({ self: { name: '我' }, contacts: [{ name: 'A', alias: '' }] })
    expect(f.contacts[0].alias).toBe('')
  })
})
