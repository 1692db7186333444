/**
 * Keeps the directory in step with Wechaty: a full read at login and every 10 minutes, and single contacts and rooms
 * as their events arrive (`dirty`, room-topic/join/leave, friendship).
 */
import type { Contact, Room, Wechaty } from 'wechaty'
import type { Logger } from '../../logger.js'
import type { ContactEntry, Directory, RoomEntry } from '../../wechat/directory.js'
import { mapYielding } from '../../wechat/yielding.js'

const CONTACT_TYPE_INDIVIDUAL = 1
const FULL_REFRESH_EVERY_MS = 10 * 60_000

export class AddressBookSync {
  private refreshing?: Promise<void>
  private refreshTimer?: NodeJS.Timeout
  /** Rooms the bot left in this login: WeChat still lists them (and marks them dirty) but they are no longer the user's. */
  private readonly leftRooms = new Set<string>()

  constructor(
    private readonly bot: Wechaty,
    private readonly directory: Directory,
    private readonly isLoggedIn: () => boolean,
    private readonly log: Logger,
    /** WECHAT_REREAD_MIN_INTERVAL_S: a name that is not found re-reads the book at most this often. */
    rereadMinIntervalMs?: number,
  ) {
    directory.setReread(() => this.refresh(), rereadMinIntervalMs)
  }

  /** Follows the bot's events; call once the bot started (the puppet exists only then). */
  follow(): void {
    const bot = this.bot
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
    bot.on('ready', () => void this.refresh().catch(() => undefined))
    bot.puppet.on('dirty', ({ payloadType, payloadId }) => {
      // PayloadType: 2 Contact, 4 Room. Wechaty drops its cache first; read the fresh payload after it did.
      setImmediate(() => {
        if (payloadType === 2) void this.updateContact(payloadId)
        if (payloadType === 4) void this.updateRoomById(payloadId)
      })
    })
    this.refreshTimer = setInterval(() => void this.refresh().catch(() => undefined), FULL_REFRESH_EVERY_MS)
    this.refreshTimer.unref()
  }

  /** A new login: ids of the last one mean nothing now. */
  loggedIn(): void {
    this.leftRooms.clear()
    void this.refresh().catch((err) => this.log.warn({ err: String(err) }, 'address book refresh failed'))
  }

  loggedOut(): void {
    this.directory.replaceAll([], [])
  }

  stop(): void {
    clearInterval(this.refreshTimer)
  }

  /** Re-reads every contact and room from Wechaty into the directory. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readAll().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async readAll(): Promise<void> {
    if (!this.isLoggedIn()) return
    const started = Date.now()
    const bot = this.bot
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
    const unreadable = contacts.failed + rooms.failed
    this.log.info({ contacts: contacts.results.length, rooms: rooms.results.length, ...(unreadable ? { unreadable } : {}), ms: Date.now() - started }, 'address book indexed')
  }

  private async updateContact(id: string): Promise<void> {
    try {
      const contact = await this.bot.Contact.find({ id })
      if (contact) this.directory.upsertContact(await toContactEntry(contact))
    } catch (err) {
      this.log.debug({ err: String(err), id }, 'contact update failed')
    }
  }

  private async updateRoomById(id: string): Promise<void> {
    const room = await this.bot.Room.find({ id }).catch(() => undefined)
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
}

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
