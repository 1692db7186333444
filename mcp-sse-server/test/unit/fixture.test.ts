import { describe, expect, it } from 'vitest'
import { DEMO_FIXTURE, FixtureError, parseFixture } from '../../src/roads/web/sandbox.js'
import { runCli, writeFixture } from '../helpers/server.js'

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

describe('ids are unique across contacts, rooms, self and File Transfer', () => {
  const self = { name: '我' }
  it.each([
    ['a contact id equal to a room id', { self, contacts: [{ id: 'family', name: 'A' }], rooms: [{ id: 'family', topic: '家庭群' }] }, 'rooms[0].id: "family" is already the id of contacts[0]'],
    ['two rooms with one id', { self, rooms: [{ id: 'r', topic: 'x' }, { id: 'r', topic: 'y' }] }, 'rooms[1].id: "r" is already the id of rooms[0]'],
    ['a room with the id of self', { self: { id: 'me', name: '我' }, rooms: [{ id: 'me', topic: 'x' }] }, 'rooms[0].id: "me" is already the id of self'],
    ['a contact with the id of self', { self: { id: 'me', name: '我' }, contacts: [{ id: 'me', name: 'A' }] }, 'contacts[0].id: "me" is already the id of self'],
    ['a contact with File Transfer\'s id', { self, contacts: [{ id: 'filehelper', name: 'A' }] }, 'contacts[0].id: "filehelper" is already the id of File Transfer'],
    ['a room with File Transfer\'s id', { self, rooms: [{ id: 'filehelper', topic: 'x' }] }, 'rooms[0].id: "filehelper" is already the id of File Transfer'],
  ])('rejects %s, naming both holders', (_name, data, expected) => {
    const message = errorOf(data)
    expect(message).toContain(expected)
    expect(message).toMatch(/needs an id of its own/)
  })

  it('the server refuses to start on such a fixture, saying which ids clash', async () => {
    const fixture = writeFixture({ self: { name: '我' }, contacts: [{ id: 'same', name: 'A' }], rooms: [{ id: 'same', topic: 'r', members: ['A'] }] })
    const { code, stderr } = await runCli(['serve'], { PORT: '0', HOST: '127.0.0.1', WECHATY_PUPPET: 'mock', WECHAT_MOCK_FIXTURE: fixture })
    expect(code).toBe(1)
    expect(stderr).toContain('rooms[0].id: "same" is already the id of contacts[0]')
  })
})

describe('lenient where WeChat is', () => {
  it('an empty remark means no remark', () => {
    const f = parseFixture({ self: { name: '我' }, contacts: [{ name: 'A', alias: '' }] })
    expect(f.contacts[0].alias).toBe('')
  })
})
