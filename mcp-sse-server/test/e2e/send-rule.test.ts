/** The send rule, through a real MCP client against the running sandbox, checking the tool result AND the audit log. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const fixture = {
  self: { name: '我' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-li', name: '李四', alias: '王五' },
    { id: 'c-wang', name: '王五' },
    { id: 'c-ming1', name: '小明', alias: '明明' },
    { id: 'c-ming2', name: '小明' },
    { id: '@emma-like-wechat', name: 'Emma 🌸' },
    { id: 'c-cafe', name: 'Café' },
    { id: 'c-stranger', name: 'Stranger', friend: false },
    { id: 'c-news', name: 'News', type: 'official' },
  ],
  rooms: [
    { id: 'r-fam', topic: '家庭群', members: ['c-zhang'] },
    { id: 'r-t1', topic: 'Team', members: ['c-wang'] },
    { id: 'r-t2', topic: 'team', members: ['c-wang'] },
    { id: 'r-t3', topic: 'Team Alpha', members: ['c-wang'] },
  ],
}

let server: RunningServer
let client: Client
beforeAll(async () => {
  server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(fixture) })
  client = await connect(server.url, 'streamableHttp')
})
afterAll(async () => {
  await client?.close()
  await server?.stop()
})

type Case = {
  label: string
  tool: 'sendMessageToFriend' | 'sendMessageToRoom'
  args: Record<string, unknown>
  sent: boolean
  targetId?: string
  error?: string
  candidates?: string[]
  says?: RegExp
}

const cases: Case[] = [
  { label: 'unique nickname', tool: 'sendMessageToFriend', args: { nickname: '张三' }, sent: true, targetId: 'c-zhang' },
  { label: 'unique remark', tool: 'sendMessageToFriend', args: { nickname: '老张' }, sent: true, targetId: 'c-zhang' },
  { label: "remark vs someone else's nickname", tool: 'sendMessageToFriend', args: { nickname: '王五' }, sent: false, error: 'ambiguous', candidates: ['c-li', 'c-wang'], says: /Ask the user/ },
  { label: 'two exact matches', tool: 'sendMessageToFriend', args: { nickname: '小明' }, sent: false, error: 'ambiguous', candidates: ['c-ming1', 'c-ming2'] },
  { label: 'partial only', tool: 'sendMessageToFriend', args: { nickname: '明' }, sent: false, error: 'not_found', candidates: ['c-ming1', 'c-ming2'], says: /Partial matches/ },
  { label: 'emoji name, other case', tool: 'sendMessageToFriend', args: { nickname: ' emma 🌸 ' }, sent: true, targetId: '@emma-like-wechat' },
  { label: 'Chinese name', tool: 'sendMessageToFriend', args: { nickname: '李四' }, sent: true, targetId: 'c-li' },
  { label: 'decomposed Unicode', tool: 'sendMessageToFriend', args: { nickname: 'Cafe\u0301' }, sent: true, targetId: 'c-cafe' },
  { label: 'room-only member is no friend', tool: 'sendMessageToFriend', args: { nickname: 'Stranger' }, sent: false, error: 'not_found' },
  { label: 'official account is no friend', tool: 'sendMessageToFriend', args: { nickname: 'News' }, sent: false, error: 'not_found' },
  { label: 'id from a find tool', tool: 'sendMessageToFriend', args: { id: 'c-ming2' }, sent: true, targetId: 'c-ming2' },
  { label: 'unknown id', tool: 'sendMessageToFriend', args: { id: '@deadbeef' }, sent: false, error: 'unknown_id', says: /Ids change/ },
  { label: 'empty message', tool: 'sendMessageToFriend', args: { nickname: '张三', message: '' }, sent: false, error: 'invalid_message' },
  { label: 'whitespace message', tool: 'sendMessageToFriend', args: { nickname: '张三', message: ' \n\t ' }, sent: false, error: 'invalid_message' },
  { label: 'unique room topic', tool: 'sendMessageToRoom', args: { topic: '家庭群' }, sent: true, targetId: 'r-fam' },
  { label: 'two rooms differing in case', tool: 'sendMessageToRoom', args: { topic: 'TEAM' }, sent: false, error: 'ambiguous', candidates: ['r-t1', 'r-t2'] },
  { label: 'partial room topic', tool: 'sendMessageToRoom', args: { topic: 'Alpha' }, sent: false, error: 'not_found', candidates: ['r-t3'] },
  { label: 'room by id', tool: 'sendMessageToRoom', args: { id: 'r-t2' }, sent: true, targetId: 'r-t2' },
]

describe('the send rule through MCP', () => {
  it.each(cases)('$label', async (c) => {
    const message = 'message' in c.args ? c.args.message : `rule test: ${c.label}`
    const result = await call(client, c.tool, { message, ...c.args })
    const structured = result.structuredContent as Record<string, any>
    expect(Boolean(result.isError)).toBe(!c.sent)
    expect(structured.sent).toBe(c.sent)
    if (c.targetId) expect(structured.target.id).toBe(c.targetId)
    if (c.error) expect(structured.error).toBe(c.error)
    if (c.candidates) expect(structured.candidates.map((x: { id: string }) => x.id).sort()).toEqual(c.candidates)
    if (c.says) expect(text(result)).toMatch(c.says)

    const audit = server.auditLines().at(-1)!
    expect(audit.tool).toBe(c.tool)
    expect(audit.text).toBe(message)
    expect(audit.ok).toBe(c.sent)
    expect(new Date(audit.ts as string).toISOString()).toBe(audit.ts)
    const target = audit.target as Record<string, unknown>
    expect(target.type).toBe(c.tool === 'sendMessageToRoom' ? 'room' : 'contact')
    if (c.targetId) expect(target.id).toBe(c.targetId)
    if (c.sent) expect(audit.error).toBeUndefined()
    else expect(typeof audit.error).toBe('string')
  })

  it('wants exactly one of a name or an id, and audits the refusal', async () => {
    const both = await call(client, 'sendMessageToFriend', { nickname: '张三', id: 'c-zhang', message: 'both given' })
    expect(both.isError).toBe(true)
    expect(text(both)).toMatch(/exactly one/)
    expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToFriend', text: 'both given', ok: false })
    const neither = await call(client, 'sendMessageToRoom', { message: 'neither given' })
    expect(neither.isError).toBe(true)
    expect(server.auditLines().at(-1)).toMatchObject({ tool: 'sendMessageToRoom', target: { type: 'room' }, text: 'neither given', ok: false })
  })

  it('answers a wrong argument type with a validation error, not a crash', async () => {
    const r = await client.callTool({ name: 'findFriend', arguments: { nickname: 42 } }).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }))
    expect(r.isError).toBe(true)
    expect(JSON.stringify(r.content)).toMatch(/nickname/)
    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
  })
})

describe('find tools', () => {
  it('match remark and nickname, exact first, and omit non-friends', async () => {
    const r = await call(client, 'findFriend', { nickname: '王五' })
    const s = r.structuredContent as { friends: Array<{ id: string; match: string }>; exactCount: number }
    expect(s.exactCount).toBe(2)
    expect(s.friends.map((f) => f.id).sort()).toEqual(['c-li', 'c-wang'])
    const partial = await call(client, 'findFriend', { nickname: 's' })
    const ids = (partial.structuredContent as { friends: Array<{ id: string }> }).friends.map((f) => f.id)
    expect(ids).not.toContain('c-stranger')
    expect(ids).not.toContain('c-news')
    const rooms = await call(client, 'findRoom', { topic: 'team' })
    const rs = rooms.structuredContent as { rooms: Array<{ id: string; match: string; memberCount: number }>; exactCount: number }
    expect(rs.exactCount).toBe(2)
    expect(rs.rooms.map((x) => `${x.id}:${x.match}`)).toEqual(['r-t1:exact', 'r-t2:exact', 'r-t3:partial'])
    expect(rs.rooms[0].memberCount).toBe(2)
  })

  it('say so when nothing matches', async () => {
    const r = await call(client, 'findFriend', { nickname: 'nobody-at-all' })
    expect(r.isError).toBe(true)
    expect(text(r)).toMatch(/No friend/)
  })
})
