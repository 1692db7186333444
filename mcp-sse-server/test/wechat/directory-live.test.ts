/**
 * The directory follows live changes, in process (the test drives the mock WeChat directly): a remark changed (the
 * puppet's `dirty` event), a room renamed (`room-topic`), a room the bot is added to (`room-join`) or leaves
 * (`room-leave`), a new friend (`friendship`, and refresh-on-miss for a friend added without any event). Each is
 * checked through the real findFriend/findRoom tools over an in-memory MCP connection: no restart, no manual refresh.
 */
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { createServer } from '../../src/mcp/server.js'
import type { Directory } from '../../src/wechat/directory.js'
import type { Composition } from '../../src/compose.js'
import type { Sandbox } from '../../src/roads/web/sandbox.js'
import type { WebRoad } from '../../src/roads/web/web-road.js'
import { FAST_SEND_ENV, tempDir } from '../helpers/server.js'
import { composeWeb, waitForState } from '../helpers/wechat.js'

/** wechaty-puppet's PayloadType.Contact and .Room, and FriendshipType.Confirm. */
const PAYLOAD_CONTACT = 2
const PAYLOAD_ROOM = 4
const FRIENDSHIP_CONFIRM = 1

let wechat: WebRoad
let parts: Composition
let sandbox: Sandbox
let client: Client
/** Fires after every change the web road makes to the directory. */
const changes = new EventEmitter()


/** Resolves once `check` holds, looking again after each directory change; fails after `timeoutMs`. */
function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onChange = () => {
      if (!check()) return
      done()
      resolve()
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`the directory did not follow: ${what} (within ${timeoutMs} ms)`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      changes.off('change', onChange)
    }
    changes.on('change', onChange)
  })
}

/** Reports every write the web road makes to the directory, after it happened (a sync: once it finished). */
function observe(directory: Directory): void {
  for (const method of ['replaceAll', 'sync', 'upsertContact', 'upsertRoom', 'removeRoom'] as const) {
    const original = directory[method].bind(directory) as (...args: unknown[]) => unknown
    ;(directory as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const result = original(...args)
      if (result instanceof Promise) return result.finally(() => changes.emit('change', method))
      changes.emit('change', method)
      return result
    }
  }
}

const structured = (r: CallToolResult) => r.structuredContent as Record<string, any>
const findFriend = async (nickname: string) => structured((await client.callTool({ name: 'findFriend', arguments: { nickname } })) as CallToolResult)
const findRoom = async (topic: string) => structured((await client.callTool({ name: 'findRoom', arguments: { topic } })) as CallToolResult)

beforeAll(async () => {
  const result = loadConfig({ ...FAST_SEND_ENV, WECHATY_PUPPET: 'mock', DATA_DIR: tempDir(), PORT: '0' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  const config = result.config
  const logger = createLogger({ level: 'warn', secrets: [], destination: new Writable({ write: (_c, _e, done) => done() }) })
  ;({ web: wechat, ...parts } = composeWeb(config, logger))
  observe(parts.directory)
  const loggedIn = waitForState(wechat, 'logged_in')
  await wechat.start()
  await loggedIn
  sandbox = wechat.sandbox!
  await until('the address book is indexed', () => parts.directory.contactCount > 0)

  const server = createServer(parts)
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  client = new Client({ name: 'directory-live-test', version: '1.0.0' })
  await client.connect(clientSide)
})

afterAll(async () => {
  vi.useRealTimers()
  await client?.close()
  await wechat?.stop().catch(() => undefined)
})

describe('the directory follows WeChat while running', () => {
  it('a changed remark (the puppet marks the contact dirty): found by the new remark, no longer by the old one', async () => {
    const zhang = sandbox.contact('张三')!
    expect((await findFriend('老张')).friends).toEqual([expect.objectContaining({ id: zhang.id, alias: '老张' })])

    // The mock keeps the payload object it serves; changing it and marking it dirty is what a real puppet does.
    zhang.payload.alias = '张老师'
    wechat.wechaty!.puppet.dirtyPayload(PAYLOAD_CONTACT, zhang.id)
    await until('the remark 张老师', () => parts.directory.contact(zhang.id)?.alias === '张老师')

    expect((await findFriend('张老师')).friends).toEqual([expect.objectContaining({ id: zhang.id, name: '张三', alias: '张老师', match: 'exact' })])
    expect((await findFriend('老张')).friends).toEqual([])
    // The send rule uses the same directory: the new remark names exactly one friend.
    expect(parts.directory.resolveFriend({ name: '张老师' })).toMatchObject({ ok: true, entry: { id: zhang.id } })
  })

  it('a renamed room (room-topic): found by the new topic, no longer by the old one', async () => {
    const family = sandbox.room('家庭群')!
    expect((await findRoom('家庭群')).rooms).toEqual([expect.objectContaining({ id: family.id, topic: '家庭群' })])

    family.topic('相亲相爱一家人').by(sandbox.contact('妈妈'))
    await until('the topic 相亲相爱一家人', () => parts.directory.room(family.id)?.topic === '相亲相爱一家人')

    expect((await findRoom('相亲相爱一家人')).rooms).toEqual([expect.objectContaining({ id: family.id, topic: '相亲相爱一家人', match: 'exact' })])
    expect((await findRoom('家庭群')).rooms).toEqual([])
  })

  it('a room the bot is added to (room-join) is found at once, with its members counted; leaving it (room-leave) drops it', async () => {
    const alice = sandbox.contact('Alice')!
    const bob = sandbox.contact('Bob')!
    const room = sandbox.mocker.createRoom({ topic: '新项目群', memberIdList: [alice.id, bob.id] })
    expect(parts.directory.room(room.id)).toBeUndefined()

    room.add(sandbox.self!).by(alice)
    await until('the joined room', () => parts.directory.room(room.id) !== undefined)
    expect((await findRoom('新项目群')).rooms).toEqual([expect.objectContaining({ id: room.id, topic: '新项目群', memberCount: 3, match: 'exact' })])

    room.remove(sandbox.self!).by(alice)
    await until('the left room to be dropped', () => parts.directory.room(room.id) === undefined)
    expect((await findRoom('新项目群')).rooms).toEqual([])

    // WeChat still lists a room the bot left, and marks it dirty: it must not come back. The change to another room,
    // marked dirty after it, is the barrier: once that one shows, the left room's update has been handled too.
    const apollo = sandbox.room('Project Apollo')!
    wechat.wechaty!.puppet.dirtyPayload(PAYLOAD_ROOM, room.id)
    apollo.payload.topic = 'Project Artemis'
    wechat.wechaty!.puppet.dirtyPayload(PAYLOAD_ROOM, apollo.id)
    await until('the topic Project Artemis', () => parts.directory.room(apollo.id)?.topic === 'Project Artemis')
    expect(parts.directory.room(room.id)).toBeUndefined()
    // Nor with the next full read of the address book.
    await wechat.refresh()
    expect(parts.directory.room(room.id)).toBeUndefined()
    expect((await findRoom('新项目群')).rooms).toEqual([])
    expect((await findRoom('Project Artemis')).rooms).toEqual([expect.objectContaining({ id: apollo.id })])

    // Added back: it is the user's room again.
    room.add(sandbox.self!).by(bob)
    await until('the room joined again', () => parts.directory.room(room.id) !== undefined)
    expect((await findRoom('新项目群')).rooms).toEqual([expect.objectContaining({ id: room.id, memberCount: 3 })])
  })

  it('a room update never feeds itself: one topic change is one update, not a loop of dirty events', async () => {
    const badminton = sandbox.room('周末羽毛球')!
    const updates: string[] = []
    const count = (method: string) => updates.push(method)
    changes.on('change', count)
    try {
      badminton.topic('周日羽毛球').by(sandbox.contact('王五'))
      await until('the topic 周日羽毛球', () => parts.directory.room(badminton.id)?.topic === '周日羽毛球')
      // A later, unrelated change is the barrier: every update the topic change caused has happened before it shows.
      const zhao = sandbox.contact('赵六')!
      zhao.payload.alias = '大老板'
      wechat.wechaty!.puppet.dirtyPayload(PAYLOAD_CONTACT, zhao.id)
      await until('the remark 大老板', () => parts.directory.contact(zhao.id)?.alias === '大老板')
      const barrier = updates.length
      // Another barrier after it: nothing more arrived in between, so nothing keeps re-marking the room dirty.
      zhao.payload.alias = '老板'
      wechat.wechaty!.puppet.dirtyPayload(PAYLOAD_CONTACT, zhao.id)
      await until('the remark 老板 again', () => parts.directory.contact(zhao.id)?.alias === '老板')
      expect(updates.slice(barrier)).toEqual(['upsertContact'])
      // At most once for the event and once for the dirty mark Wechaty's own sync before it leaves.
      expect(updates.slice(0, barrier).filter((m) => m === 'upsertRoom').length).toBeLessThanOrEqual(2)
    } finally {
      changes.off('change', count)
    }
  })

  it('a new friend (friendship confirmed) is found without a restart', async () => {
    const puppet = wechat.wechaty!.puppet as unknown as { friendshipRawPayload: (id: string) => Promise<unknown> }
    const newcomer = sandbox.mocker.createContact({ name: '新同事', alias: '', friend: true, type: 1 })
    // The mock's friendship payload has no contact; give it the one a real puppet reports for a confirmed request.
    const original = puppet.friendshipRawPayload
    puppet.friendshipRawPayload = async (id: string) => ({ id, contactId: newcomer.id, type: FRIENDSHIP_CONFIRM, timestamp: Date.now() })
    try {
      expect(parts.directory.contact(newcomer.id)).toBeUndefined()
      wechat.wechaty!.puppet.emit('friendship', { friendshipId: 'friendship-1' })
      await until('the new friend', () => parts.directory.contact(newcomer.id) !== undefined)
    } finally {
      puppet.friendshipRawPayload = original
    }
    expect((await findFriend('新同事')).friends).toEqual([expect.objectContaining({ id: newcomer.id, name: '新同事', match: 'exact' })])
  })

  it('a friend who appeared without any event is found on a miss once the index is older than 30 s (refresh on miss)', async () => {
    // Just refreshed: a miss does not walk the whole address book again at once.
    await wechat.refresh()
    const quiet = sandbox.mocker.createContact({ name: '静悄悄', alias: '', friend: true, type: 1 })
    expect((await findFriend('静悄悄')).friends).toEqual([])

    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 31_000)
      expect((await findFriend('静悄悄')).friends).toEqual([expect.objectContaining({ id: quiet.id, name: '静悄悄', match: 'exact' })])
    } finally {
      vi.useRealTimers()
    }
  })

  it('a send to a friend added without any event looks again too (the send rule refreshes on a miss)', async () => {
    await wechat.refresh()
    const late = sandbox.mocker.createContact({ name: '迟到的人', alias: '', friend: true, type: 1 })
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(Date.now() + 31_000)
      const sent = (await client.callTool({ name: 'sendMessageToFriend', arguments: { nickname: '迟到的人', message: '欢迎' } })) as CallToolResult
      expect(sent.structuredContent).toMatchObject({ sent: true, target: { id: late.id } })
    } finally {
      vi.useRealTimers()
    }
  })
})
