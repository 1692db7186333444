/**
 * The sandbox: a real in-process WeChat (wechaty-puppet-mock) filled from an address-book fixture, so every tool
 * can be tried, and tested, without a WeChat account.
 */
import { readFileSync } from 'node:fs'
import { replaceMockMessageSend } from '../../internals.js'
import { randomBytes } from 'node:crypto'
import * as z from 'zod'
import type { PuppetMock, mock as MockNs } from 'wechaty-puppet-mock'
import { FILEHELPER_ID, normalizeName } from '../../wechat/directory.js'

const contactSchema = z
  .object({
    id: z.string().min(1).optional(),
    name: z.string().min(1),
    /** The remark (备注); empty means none. */
    alias: z.string().optional(),
    /** false: a room-only member, not a friend. */
    friend: z.boolean().optional(),
    type: z.enum(['individual', 'official']).optional(),
  })
  .strict()

const roomSchema = z
  .object({
    id: z.string().min(1).optional(),
    topic: z.string().min(1),
    members: z.array(z.string().min(1)).default([]),
  })
  .strict()

export const fixtureSchema = z
  .object({
    self: z.object({ id: z.string().min(1).optional(), name: z.string().min(1) }).strict(),
    loginDelayMs: z.number().int().min(0).max(3_600_000).default(0),
    contacts: z.array(contactSchema).default([]),
    rooms: z.array(roomSchema).default([]),
  })
  .strict()

export type Fixture = z.infer<typeof fixtureSchema>

export class FixtureError extends Error {}

/** The built-in demo: Chinese and Latin names, remarks, two people sharing a nickname, three rooms. */
export const DEMO_FIXTURE: Fixture = {
  self: { name: '我' },
  loginDelayMs: 0,
  contacts: [
    { name: '张三', alias: '老张' },
    { name: '李四', alias: '四哥' },
    { name: '王五' },
    { name: '赵六', alias: '老板' },
    { name: 'Alice', alias: 'Alice Chen' },
    { name: 'Bob' },
    { name: 'Charlie', alias: '查理' },
    { name: '小明', alias: '明明 (同事)' },
    { name: '小明', alias: '小明 (大学同学)' },
    { name: 'David Wang', alias: 'Dave' },
    { name: '妈妈', alias: 'Mom' },
    { name: 'Emma 🌸', alias: 'Emma' },
    { name: '陈晨' },
    { name: 'Grace', friend: false },
    { name: '腾讯新闻', type: 'official' },
  ],
  rooms: [
    { topic: '家庭群', members: ['妈妈', '张三', '李四'] },
    { topic: 'Project Apollo', members: ['Alice', 'Bob', 'Charlie', 'Grace'] },
    { topic: '周末羽毛球', members: ['王五', '赵六', '陈晨', 'David Wang'] },
  ],
}

/** Reads and validates a fixture file; errors name the path of the bad field. */
export function loadFixture(file: string): Fixture {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new FixtureError(`WECHAT_MOCK_FIXTURE ${file}: not readable JSON (${(err as Error).message})`)
  }
  return parseFixture(data, file)
}

export function parseFixture(data: unknown, source = 'fixture'): Fixture {
  const parsed = fixtureSchema.safeParse(data)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${formatPath(i.path)}: ${i.message}`)
    throw new FixtureError(`WECHAT_MOCK_FIXTURE ${source} is invalid:\n${lines.join('\n')}`)
  }
  const fixture = parsed.data
  const problems: string[] = []
  const ids = new Set<string>()
  const names = new Map<string, number>()
  /** Every id in the fixture and what holds it: ids name one chat, whatever kind, or a send by id goes astray. */
  const holders = new Map<string, string>([[FILEHELPER_ID, 'File Transfer (built in)']])
  if (fixture.self.id !== undefined) holders.set(fixture.self.id, 'self')
  const claim = (id: string, where: string) => {
    const holder = holders.get(id)
    if (holder !== undefined) problems.push(`  - ${where}.id: "${id}" is already the id of ${holder}; every contact and room needs an id of its own (or none)`)
    else holders.set(id, where)
  }
  fixture.contacts.forEach((c, i) => {
    if (c.id !== undefined) {
      claim(c.id, `contacts[${i}]`)
      ids.add(c.id)
    }
    names.set(c.name, (names.get(c.name) ?? 0) + 1)
  })
  fixture.rooms.forEach((r, i) => {
    if (r.id !== undefined) claim(r.id, `rooms[${i}]`)
  })
  fixture.rooms.forEach((r, i) =>
    r.members.forEach((m, j) => {
      if (ids.has(m) || m === fixture.self.id || m === fixture.self.name) return
      const count = names.get(m) ?? 0
      if (count === 0) problems.push(`  - rooms[${i}].members[${j}]: no contact has the id or name "${m}"`)
      else if (count > 1) problems.push(`  - rooms[${i}].members[${j}]: "${m}" names ${count} contacts; use an id`)
    }),
  )
  if (problems.length) throw new FixtureError(`WECHAT_MOCK_FIXTURE ${source} is invalid:\n${problems.join('\n')}`)
  return fixture
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '') || '(root)'
}

type Failure = { ok: false; status: 400 | 404 | 409; message: string }
export type Injection = { ok: true } | Failure
export type Found<T> = { ok: true; value: T } | Failure

/** Puts the fixture's people and rooms into the mock WeChat, then shows a QR and logs in (at once or after loginDelayMs). */
export class Sandbox {
  private loginTimer?: NodeJS.Timeout
  private stopped = false
  private selfContact?: MockNs.ContactMock
  private fileHelper?: MockNs.ContactMock
  readonly contactsByKey = new Map<string, MockNs.ContactMock>()
  private readonly people: MockNs.ContactMock[] = []

  constructor(
    readonly mocker: MockNs.Mocker,
    readonly fixture: Fixture,
  ) {}

  static async create(fixture: Fixture): Promise<{ sandbox: Sandbox; puppet: PuppetMock }> {
    const { PuppetMock, mock } = await import('wechaty-puppet-mock')
    const mocker = new mock.Mocker()
    const puppet = new PuppetMock({ mocker })
    routeSendsByRoomTable(puppet, mocker)
    return { sandbox: new Sandbox(mocker, fixture), puppet }
  }

  /** Call after the bot started: creates the address book and begins the login. */
  populateAndLogin(): void {
    const { mocker, fixture } = this
    this.selfContact = mocker.createContact({ ...(fixture.self.id ? { id: fixture.self.id } : {}), name: fixture.self.name })
    // A real account always has File Transfer (文件传输助手), id "filehelper".
    this.fileHelper = mocker.createContact({ id: FILEHELPER_ID, name: '文件传输助手', alias: '', friend: true })
    for (const c of fixture.contacts) {
      const contact = mocker.createContact({
        ...(c.id ? { id: c.id } : {}),
        name: c.name,
        alias: c.alias ?? '',
        friend: c.friend ?? true,
        type: c.type === 'official' ? CONTACT_TYPE_OFFICIAL : CONTACT_TYPE_INDIVIDUAL,
      })
      this.contactsByKey.set(contact.id, contact)
      if (!this.contactsByKey.has(c.name)) this.contactsByKey.set(c.name, contact)
      this.people.push(contact)
    }
    for (const r of fixture.rooms) {
      const memberIdList = [this.selfContact.id, ...r.members.map((m) => this.memberId(m))]
      mocker.createRoom({ ...(r.id ? { id: r.id } : {}), topic: r.topic, memberIdList: [...new Set(memberIdList)] })
    }
    this.login()
  }

  /** Shows a fresh QR and logs in after `delayMs` (loginDelayMs by default; at once, without a QR, when 0). */
  login(delayMs = this.fixture.loginDelayMs): void {
    clearTimeout(this.loginTimer)
    if (this.stopped) return
    const self = this.selfContact!
    if (delayMs === 0) {
      this.mocker.login(self)
      return
    }
    this.mocker.scan(`https://login.weixin.qq.com/l/sandbox-${randomBytes(6).toString('hex')}`, 2)
    this.loginTimer = setTimeout(() => this.mocker.login(self), delayMs)
    this.loginTimer.unref()
  }

  /**
   * After a logout, like real WeChat: a new QR, then a login once it is "scanned". This always shows the QR, even
   * with loginDelayMs 0 (then for SANDBOX_RELOGIN_DELAY_MS), so the logged-out state and the new QR can be seen
   * on the login page and the notification tried out, and the sandbox still recovers by itself.
   */
  relogin(): void {
    // The puppet forgets the old user only on the next tick after its logout event.
    setImmediate(() => this.login(this.fixture.loginDelayMs || SANDBOX_RELOGIN_DELAY_MS))
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.loginTimer)
  }

  /** A contact of the fixture by id or name (for inbound messages in the sandbox). */
  contact(key: string): MockNs.ContactMock | undefined {
    return this.contactsByKey.get(key)
  }

  get self(): MockNs.ContactMock | undefined {
    return this.selfContact
  }

  /** A room by id or current topic, if exactly one fits (see findRoom). */
  room(key: string): MockNs.RoomMock | undefined {
    const found = this.findRoom(key)
    return found.ok ? found.value : undefined
  }

  /** The name of a file the mock carried in a message (the mock keeps no file name in the message payload). */
  fileName(messageId: string): string | undefined {
    return this.mocker.cacheFileBoxPayload.get(messageId)?.name
  }

  /**
   * Makes a fixture contact say `text` to the bot, or in a room they belong to: an inbound message as a real one
   * would arrive. `from` and `room` are matched as the tools match names (an id, or a nickname, remark or topic equal
   * up to case, spacing and Unicode form), and a name that fits several is refused with the candidates, so a test
   * injects from exactly the person it means. Answers what went wrong in words a sandbox user can act on.
   */
  inbound(from: string, text: string, roomKey?: string): Injection {
    const self = this.selfContact
    if (!self) return { ok: false, status: 400, message: 'the sandbox has not logged in yet; try again in a moment' }
    const contact = this.findContact(from)
    if (!contact.ok) return contact
    if (roomKey === undefined) {
      contact.value.say(text).to(self)
      return { ok: true }
    }
    const room = this.findRoom(roomKey)
    if (!room.ok) return room
    if (!room.value.payload.memberIdList.includes(contact.value.id)) {
      return { ok: false, status: 400, message: `"${from}" is not a member of the room "${room.value.payload.topic}"` }
    }
    contact.value.say(text).to(room.value)
    return { ok: true }
  }

  /** A fixture contact by id, or by nickname or remark as the tools match them. */
  findContact(key: string): Found<MockNs.ContactMock> {
    const byId = this.contactsByKey.get(key)
    if (byId && byId.id === key) return { ok: true, value: byId }
    const q = normalizeName(key)
    const hits = this.people.filter((c) => [c.payload.name, c.payload.alias ?? ''].some((n) => n && normalizeName(n) === q))
    if (hits.length === 1) return { ok: true, value: hits[0] }
    if (!hits.length) return { ok: false, status: 404, message: `no sandbox contact has the id, nickname or remark "${key}"` }
    const candidates = hits.map((c) => `${c.payload.name}${c.payload.alias ? ` (remark ${c.payload.alias})` : ''}: id ${c.id}`)
    return { ok: false, status: 409, message: `"${key}" names ${hits.length} sandbox contacts; use an id: ${candidates.join('; ')}` }
  }

  /** A room by id, or by topic as the tools match it; followed through topic changes (looked up in the mock). */
  findRoom(key: string): Found<MockNs.RoomMock> {
    const rooms = this.mocker.cacheRoomPayload
    if (rooms.has(key)) return { ok: true, value: this.mocker.RoomMock.load(key) }
    const q = normalizeName(key)
    const hits = [...rooms.values()].filter((r) => normalizeName(r.topic) === q)
    if (hits.length === 1) return { ok: true, value: this.mocker.RoomMock.load(hits[0].id) }
    if (!hits.length) return { ok: false, status: 404, message: `no sandbox room has the id or topic "${key}"` }
    return { ok: false, status: 409, message: `"${key}" is the topic of ${hits.length} sandbox rooms; use an id: ${hits.map((r) => r.id).join(', ')}` }
  }

  /**
   * The owner typing in File Transfer on their phone: WeChat shows it as a message of this account to File Transfer,
   * exactly like the agent's own sends there (which is why the server has to tell them apart).
   */
  ownerTypes(text: string): { ok: true } | { ok: false; status: 400; message: string } {
    if (!this.selfContact || !this.fileHelper) return { ok: false, status: 400, message: 'the sandbox has not logged in yet; try again in a moment' }
    this.selfContact.say(text).to(this.fileHelper)
    return { ok: true }
  }

  private memberId(key: string): string {
    if (key === this.fixture.self.id || key === this.fixture.self.name) return this.selfContact!.id
    return this.contactsByKey.get(key)!.id
  }
}

/**
 * The mock takes any conversation id containing "@" for a room, so a fixture room id like "family" (or a contact id
 * like WeChat's own "@abc…") would be sent to the wrong kind of chat. Decide by the mocker's room table instead.
 */
function routeSendsByRoomTable(puppet: PuppetMock, mocker: MockNs.Mocker): void {
  const internals = mocker as unknown as { cacheRoomPayload: Map<string, unknown>; ContactMock: { load(id: string): MockNs.ContactMock }; RoomMock: { load(id: string): MockNs.RoomMock } }
  const target = puppet as unknown as { isLoggedIn: boolean; currentUserId: string }
  replaceMockMessageSend(puppet, async (conversationId, something) => {
    if (!target.isLoggedIn) throw new Error('not logged in')
    const user = internals.ContactMock.load(target.currentUserId)
    const conversation = internals.cacheRoomPayload.has(conversationId)
      ? internals.RoomMock.load(conversationId)
      : internals.ContactMock.load(conversationId)
    user.say(something as never).to(conversation)
  })
}

/** How long the sandbox shows a new QR after a logout when the fixture's loginDelayMs is 0. */
export const SANDBOX_RELOGIN_DELAY_MS = 5_000

/** wechaty-puppet's ContactType values, without importing it at module load (keeps the server's start fast). */
const CONTACT_TYPE_INDIVIDUAL = 1
const CONTACT_TYPE_OFFICIAL = 2

export function describeFixture(f: Fixture): string {
  return `${f.contacts.length} contacts, ${f.rooms.length} rooms`
}
