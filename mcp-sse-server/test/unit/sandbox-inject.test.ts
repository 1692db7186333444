/**
 * The sandbox's injection routes find people and rooms as the tools do: by id, or by a nickname, remark or topic
 * equal up to case, spacing and Unicode form; a name that fits several is refused with the candidates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PuppetMock } from 'wechaty-puppet-mock'
import { parseFixture, Sandbox } from '../../src/roads/web/sandbox.js'

const FIXTURE = parseFixture({
  self: { name: '我' },
  loginDelayMs: 0,
  contacts: [
    { id: 'zhang', name: '张三', alias: '老张' },
    { id: 'ming-work', name: '小明', alias: '明明 (同事)' },
    { id: 'ming-school', name: '小明', alias: '小明 (大学同学)' },
    { id: 'alice', name: 'Alice', alias: 'Alice Chen' },
  ],
  rooms: [
    { id: 'family', topic: 'Family', members: ['zhang', 'alice'] },
    { id: 'work-1', topic: '项目组', members: ['ming-work'] },
    { id: 'work-2', topic: '项目组', members: ['ming-school'] },
  ],
})

let sandbox: Sandbox
let puppet: PuppetMock
beforeAll(async () => {
  ;({ sandbox, puppet } = await Sandbox.create(FIXTURE))
  await puppet.start()
  sandbox.populateAndLogin()
})
afterAll(async () => {
  sandbox.stop()
  await puppet.stop()
})

const idOf = (key: string) => {
  const found = sandbox.findContact(key)
  return found.ok ? found.value.id : found
}

describe('sandbox injection matches names as the tools do', () => {
  it('finds a contact by id, nickname or remark, ignoring case, spacing and Unicode form', () => {
    expect(idOf('zhang')).toBe('zhang')
    expect(idOf('张三')).toBe('zhang')
    expect(idOf('老张')).toBe('zhang')
    expect(idOf('  alice chen ')).toBe('alice')
    expect(idOf('ＡＬＩＣＥ')).toBe('alice')
  })

  it('refuses a name several contacts share, listing them with their ids', () => {
    const found = sandbox.findContact('小明')
    expect(found).toMatchObject({ ok: false, status: 409 })
    const message = found.ok ? '' : found.message
    expect(message).toContain('ming-work')
    expect(message).toContain('ming-school')
    expect(sandbox.inbound('小明', 'hi')).toMatchObject({ ok: false, status: 409 })
  })

  it('refuses a partial name: exact means exact', () => {
    expect(sandbox.findContact('Ali')).toMatchObject({ ok: false, status: 404 })
    expect(sandbox.inbound('张', 'hi')).toMatchObject({ ok: false, status: 404 })
  })

  it('finds a room by id or topic, and refuses a topic two rooms share', () => {
    expect(sandbox.inbound('老张', 'hi all', 'family')).toEqual({ ok: true })
    expect(sandbox.inbound('Alice Chen', 'hi all', 'FAMILY')).toEqual({ ok: true })
    const shared = sandbox.inbound('明明 (同事)', 'hi', '项目组')
    expect(shared).toMatchObject({ ok: false, status: 409 })
    expect(shared.ok ? '' : shared.message).toMatch(/work-1.*work-2/)
    expect(sandbox.inbound('明明 (同事)', 'hi', 'work-1')).toEqual({ ok: true })
    expect(sandbox.inbound('明明 (同事)', 'hi', 'work-2')).toMatchObject({ ok: false, status: 400 })
  })

  it('delivers by remark to the bot', () => {
    expect(sandbox.inbound('老张', 'hello')).toEqual({ ok: true })
  })
})
