/**
 * The one logged-in WeChat account of this process: the Wechaty bot's lifecycle and login state, the directory
 * kept in step with it, and the sender every outbound message goes through. Built once, shared by every MCP session.
 */
import { EventEmitter } from 'node:events'
import path from 'node:path'
import type { Contact, Message, Room, Wechaty } from 'wechaty'
import type { Config } from '../config.js'
import { redactSecrets, type Logger } from '../logger.js'
import { AuditLog } from './audit.js'
import { Directory, type ContactEntry, type Lookup, type RoomEntry } from './directory.js'
import { ErrorDigest } from './error-digest.js'
import { Inbox, toInboxMessage } from './inbox.js'
import { Pacer } from './pacer.js'
import { loadFixture, DEMO_FIXTURE, Sandbox } from './sandbox.js'
import { Sender, type OutboundPort, type TargetKind } from './sender.js'
import { mapYielding } from './yielding.js'

export type LoginStatus = 'starting' | 'waiting_for_scan' | 'logged_in' | 'logged_out'

export interface LoginState {
  status: LoginStatus
  user?: { id: string; name: string }
  /** The value to encode as a QR code, while waiting for a scan. */
  qr?: string
  /** The phone scanned the QR and the user still has to confirm. */
  scanned?: boolean
  since: string
}

/** wechat4u reports a dropped session only as these errors (see wechatbot-webhook). */
const SILENT_LOGOUT = [/1101 == 0/, /1102 == 0/, /-1 == 0/, /400 != 400/]
const CONTACT_TYPE_INDIVIDUAL = 1
const WECHAT4U_PUPPET = 'wechaty-puppet-wechat4u'
/** Where wechaty-puppet-wechat4u keeps its session in the memory card (its MEMORY_SLOT_NAME). */
const WECHAT4U_MEMORY_SLOT = 'PUPPET-WECHAT4U'
const FULL_REFRESH_EVERY_MS = 10 * 60_000

export interface WeChatEvents {
  state: [LoginState]
  message: [Message]
}

export class WeChat extends EventEmitter<WeChatEvents> {
  readonly directory = new Directory()
  readonly audit: AuditLog
  readonly pacer: Pacer
  readonly sender: Sender
  readonly inbox: Inbox
  sandbox?: Sandbox
  private bot?: Wechaty
  private current: LoginState = { status: 'starting', since: new Date().toISOString() }
  private lastRefresh = 0
  /** The puppet's latest error while not logged in (e.g. WeChat unreachable), for the login hint. */
  private lastError?: string
  private refreshing?: Promise<void>
  private refreshTimer?: NodeJS.Timeout
  /** Rooms the bot left in this login: WeChat still lists them (and marks them dirty) but they are no longer the user's. */
  private readonly leftRooms = new Set<string>()
  /** Set once stop() began: the puppet reports its own shutdown as a logout, which is not one. */
  private stopping = false
  private readonly errors: ErrorDigest
  private readonly log: Logger

  /** Where the user scans; set by the server once it knows its address. */
  loginPageUrl = '/login'

  constructor(
    private readonly config: Config,
    logger: Logger,
  ) {
    super()
    this.log = logger.child({ component: 'wechat' })
    this.errors = new ErrorDigest(this.log)
    this.audit = new AuditLog(
      config.dataDir,
      (t) => redactSecrets(t, config.secrets),
      (err) => this.log.error({ err: String(err), file: path.join(config.dataDir, 'audit.jsonl') }, 'could not write the audit log'),
    )
    this.pacer = new Pacer({
      minIntervalMs: config.send.minIntervalMs,
      maxPerMinute: config.send.maxPerMinute,
      queueMax: config.send.queueMax,
      onQueued: (waiting) => this.log.debug({ waiting }, 'WeChat send queued behind pacing'),
    })
    this.sender = new Sender(this.directory, this.outboundPort(), this.pacer, this.audit, {
      maxMessageChars: config.send.maxMessageChars,
      repeatWindowS: config.send.repeatWindowS,
      allowedContacts: config.allowedContacts,
      allowedRooms: config.allowedRooms,
    })
    this.inbox = new Inbox(config.inbox)
    this.on('message', (message) => {
      try {
        const kept = this.inbox.add(toInboxMessage(message, this.directory, (id) => this.sandbox?.fileName(id)))
        // Never the text: logs are not the place for people's messages.
        this.log.debug({ chat: kept.chat.id, type: kept.type, self: kept.sender.self }, 'message kept')
      } catch (err) {
        this.log.debug({ err: String(err), id: message.id }, 'message not kept in the inbox')
      }
    })
    // Ids change at every login: what was kept (and every wait) belongs to the session that ended.
    this.on('state', ({ status }) => {
      if (status === 'logged_out' || status === 'logged_in') this.inbox.clear()
    })
  }

  get state(): LoginState {
    return this.current
  }

  get isLoggedIn(): boolean {
    return this.current.status === 'logged_in'
  }

  /** What to tell the model (and the user) when WeChat is not logged in. */
  loginHint(): string {
    const { status } = this.current
    if (status === 'starting') {
      const trouble = this.lastError ? ` The puppet cannot reach WeChat yet (${this.lastError}); it keeps retrying.` : ''
      return `WeChat is still starting; try again in a few seconds.${trouble} The login page is ${this.loginPageUrl}.`
    }
    return `The user must scan the QR code with WeChat on their phone: open ${this.loginPageUrl} (or look at the server's terminal), then try again.`
  }

  /** Starts Wechaty in this process. Never throws for network trouble: the puppet keeps retrying and we keep serving. */
  async start(): Promise<void> {
    // wechaty/impls, not the package root: the root also re-exports IoClient, which loads the whole gRPC/protobuf
    // stack of wechaty-puppet-service that this server never uses (14 to 18 MB of RSS and about 250 ms of start; see
    // docs/benchmarks.md). WechatyBuilder.build(options) is exactly `new WechatyImpl(options)`.
    const { WechatyImpl } = await import('wechaty/impls')
    const name = path.join(this.config.dataDir, 'wechat')
    let bot: Wechaty
    if (this.config.sandbox) {
      const fixture = this.config.mockFixture ? loadFixture(this.config.mockFixture) : DEMO_FIXTURE
      const { sandbox, puppet } = await Sandbox.create(fixture)
      this.sandbox = sandbox
      bot = new WechatyImpl({ name: path.join(this.config.dataDir, 'sandbox'), puppet })
    } else {
      bot = new WechatyImpl({
        name,
        puppet: this.config.puppet as never,
        ...(this.config.puppetToken ? { puppetOptions: { token: this.config.puppetToken } } : {}),
      })
    }
    this.bot = bot
    this.wire(bot)
    await bot.start()
    // The puppet exists only once the bot started.
    bot.puppet.on('dirty', ({ payloadType, payloadId }) => {
      // PayloadType: 2 Contact, 4 Room. Wechaty drops its cache first; read the fresh payload after it did.
      setImmediate(() => {
        if (payloadType === 2) void this.updateContact(payloadId)
        if (payloadType === 4) void this.updateRoomById(payloadId)
      })
    })
    this.sandbox?.populateAndLogin()
    this.refreshTimer = setInterval(() => void this.refresh().catch(() => undefined), FULL_REFRESH_EVERY_MS)
    this.refreshTimer.unref()
  }

  /**
   * Stops the bot, keeping the login for the next start. wechat4u is the exception: its stop() logs the account out
   * at WeChat (webwxlogout) and deletes the saved session, the opposite of "scan once". For it, the live session is
   * written to the memory card and the bot is left to end with the process.
   */
  async stop(): Promise<void> {
    this.stopping = true
    clearInterval(this.refreshTimer)
    this.sandbox?.stop()
    this.errors.stop()
    if (!this.bot) return
    if (this.config.puppet === WECHAT4U_PUPPET) await this.saveWechat4uSession(this.bot)
    else await this.bot.stop()
  }

  /** wechat4u writes its session only at login, while its cookies and sync keys move on: save the current ones. */
  private async saveWechat4uSession(bot: Wechaty): Promise<void> {
    try {
      const puppet = bot.puppet as unknown as {
        wechat4u?: { botData?: unknown; PROP?: { uin?: unknown } }
        memory?: { set(key: string, value: unknown): Promise<void>; save(): Promise<void> }
      }
      if (!this.isLoggedIn || !puppet.wechat4u?.PROP?.uin || !puppet.memory) return
      await puppet.memory.set(WECHAT4U_MEMORY_SLOT, puppet.wechat4u.botData)
      await puppet.memory.save()
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not save the WeChat session on stop; the one saved at login stays')
    }
  }

  /** Logs the account out (the saved session is dropped by the puppet). */
  async logout(): Promise<void> {
    await this.bot?.logout()
  }

  /** The live Wechaty instance (for the inbox and file sends). */
  get wechaty(): Wechaty | undefined {
    return this.bot
  }

  /** Re-reads every contact and room from Wechaty into the directory. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readAddressBook().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  /** A name was not found: maybe a friend was added since the last read; look again, but not on every miss. */
  async refreshIfStale(): Promise<void> {
    // A name that is not found is looked up again in Wechaty, at most this often (WECHAT_REREAD_MIN_INTERVAL_S).
    if (Date.now() - this.lastRefresh > this.config.rereadMinIntervalMs) await this.refresh()
  }

  /** A lookup that finds nothing may be stale (a friend added a minute ago): look again after a refresh. */
  async lookup<T>(find: () => Lookup<T>): Promise<Lookup<T>> {
    const found = find()
    if (found.exact.length + found.partial.length > 0) return found
    await this.refreshIfStale()
    return find()
  }

  private setState(next: Omit<LoginState, 'since'>): void {
    if (next.status !== 'starting') this.lastError = undefined
    this.current = { ...next, since: new Date().toISOString() }
    this.log.info({ status: next.status, user: next.user?.name }, 'wechat login state')
    this.emit('state', this.current)
  }

  private wire(bot: Wechaty): void {
    bot.on('scan', (qrcode, status) => {
      // ScanStatus: 2 Waiting, 3 Scanned, 4 Confirmed, 5 Timeout.
      if (status === 3 || status === 4) {
        this.setState({ status: 'waiting_for_scan', qr: this.current.qr ?? qrcode, scanned: true })
        return
      }
      if (!qrcode) return
      this.setState({ status: 'waiting_for_scan', qr: qrcode })
      void printQr(qrcode, this.loginPageUrl, this.config.sandbox)
    })
    bot.on('login', (user) => {
      this.sender.forgetLogin()
      this.leftRooms.clear()
      this.setState({ status: 'logged_in', user: { id: user.id, name: user.name() } })
      void this.refresh().catch((err) => this.log.warn({ err: String(err) }, 'address book refresh failed'))
    })
    bot.on('logout', (user, reason) => {
      if (this.stopping) return
      this.log.warn({ user: user?.name(), reason }, 'WeChat logged out')
      this.directory.replaceAll([], [])
      this.setState({ status: 'logged_out' })
      // wechat4u starts a new login by itself (a new QR follows); the mock puppet has to be told to.
      this.sandbox?.relogin()
    })
    bot.on('ready', () => void this.refresh().catch(() => undefined))
    bot.on('error', (err) => {
      const text = redactSecrets(err instanceof Error ? err.message : String(err), this.config.secrets)
      this.errors.report(text)
      if (!this.isLoggedIn) this.lastError = text.slice(0, 200)
      if (this.isLoggedIn && SILENT_LOGOUT.some((p) => p.test(text))) {
        this.log.warn('WeChat dropped the session silently; logging out so a new QR is shown')
        void bot.logout().catch(() => this.setState({ status: 'logged_out' }))
      }
    })
    bot.on('message', (message) => {
      this.emit('message', message)
    })
    bot.on('room-topic', (room) => void this.updateRoom(room))
    bot.on('room-join', (room, invitees) => {
      if (invitees.some((c) => c.self())) this.leftRooms.delete(room.id)
      void this.updateRoom(room)
    })
    bot.on('room-leave', (room, leavers) => {
      if (leavers.some((c) => c.self())) {
        this.leftRooms.add(room.id)
        this.directory.removeRoom(room.id)
      } else void this.updateRoom(room)
    })
    bot.on('friendship', () => void this.refresh().catch(() => undefined))
  }

  private async readAddressBook(): Promise<void> {
    const bot = this.bot
    if (!bot || !this.isLoggedIn) return
    const started = Date.now()
    // Not Contact.findAll(): it resolves every contact in one unbroken run that holds the event loop (wechat/yielding.ts).
    const [contactIds, roomIds] = await Promise.all([bot.puppet.contactList(), bot.puppet.roomList()])
    const contacts = await mapYielding(contactIds, async (id) => {
      const contact = await bot.Contact.find({ id })
      return contact && toContactEntry(contact)
    })
    const rooms = await mapYielding(
      roomIds.filter((id) => !this.leftRooms.has(id)),
      async (id) => {
        const room = await bot.Room.find({ id })
        return room && toRoomEntry(room)
      },
    )
    if (!(await this.directory.sync(contacts.results, rooms.results))) return
    this.lastRefresh = Date.now()
    const unreadable = contacts.failed + rooms.failed
    this.log.info({ contacts: contacts.results.length, rooms: rooms.results.length, ...(unreadable ? { unreadable } : {}), ms: Date.now() - started }, 'address book indexed')
  }

  private async updateContact(id: string): Promise<void> {
    try {
      const contact = await this.bot?.Contact.find({ id })
      if (contact) this.directory.upsertContact(await toContactEntry(contact))
    } catch (err) {
      this.log.debug({ err: String(err), id }, 'contact update failed')
    }
  }

  private async updateRoomById(id: string): Promise<void> {
    const room = await this.bot?.Room.find({ id }).catch(() => undefined)
    if (room) await this.updateRoom(room)
  }

  /**
   * Reads a room Wechaty has just re-read: it syncs a room before emitting room-topic/join/leave, and re-reads one on
   * `dirty`. Never room.sync() here: that marks the room dirty again, which calls this again, without end.
   */
  private async updateRoom(room: Room): Promise<void> {
    if (this.leftRooms.has(room.id)) return
    try {
      this.directory.upsertRoom(await toRoomEntry(room))
    } catch (err) {
      this.log.debug({ err: String(err), id: room.id }, 'room update failed')
    }
  }

  private outboundPort(): OutboundPort {
    return {
      isLoggedIn: () => this.isLoggedIn,
      loginHint: () => this.loginHint(),
      refreshIfStale: () => this.refreshIfStale(),
      say: (kind, id, text) => this.say(kind, id, text),
    }
  }

  /** Sends through Wechaty; throws when WeChat does not take it. */
  async say(kind: TargetKind, id: string, content: Parameters<Contact['say']>[0]): Promise<void> {
    const bot = this.bot
    if (!bot || !this.isLoggedIn) throw new Error('WeChat is not logged in')
    const target = kind === 'contact' ? await bot.Contact.find({ id }) : await bot.Room.find({ id })
    if (!target) throw new Error(`the ${kind} is no longer in the address book`)
    // One hung puppet call must not hold the only outbound queue forever.
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`WeChat did not confirm within ${SAY_TIMEOUT_MS / 1000} s (it may still arrive: check the chat before sending again)`)),
        SAY_TIMEOUT_MS,
      )
    })
    try {
      await Promise.race([target.say(content as never), hung])
    } finally {
      clearTimeout(timer)
    }
  }
}

/** The longest one send may take at WeChat before it is reported as failed. */
export const SAY_TIMEOUT_MS = 60_000

async function toContactEntry(c: Contact): Promise<ContactEntry> {
  const alias = (await c.alias().catch(() => undefined)) || undefined
  return {
    id: c.id,
    name: c.name(),
    ...(alias ? { alias } : {}),
    friend: c.friend() === true && c.type() === CONTACT_TYPE_INDIVIDUAL && !c.self(),
  }
}

async function toRoomEntry(r: Room): Promise<RoomEntry> {
  const topic = await r.topic().catch(() => '')
  return { id: r.id, topic, memberCount: r.payload?.memberIdList.length ?? 0 }
}

async function printQr(qr: string, loginPageUrl: string, sandbox: boolean): Promise<void> {
  const { default: qrcodeTerminal } = await import('qrcode-terminal')
  qrcodeTerminal.generate(qr, { small: true }, (art) => {
    const note = sandbox ? ' (sandbox: logs in by itself)' : ''
    process.stderr.write(`\nScan with WeChat to log in${note}, or open ${loginPageUrl}\n${art}\n`)
  })
}
