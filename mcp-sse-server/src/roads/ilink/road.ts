/**
 * The iLink road: WeChat's official ClawBot, which talks only with the account owner. It logs in by QR (once: the
 * login, the update cursor and the latest context_token are kept in DATA_DIR), long-polls for the owner's messages
 * for as long as the server runs (one held request at a time, nothing else while idle), and sends text and files to
 * the owner inside WeChat's reply window. A stale token (-14) shows `expired` with a new QR.
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { redactSecrets, type Logger, type RuntimeSecrets } from '../../logger.js'
import type { OutboundContent, Road, RoadEvents, RoadMessage, RoadState, RoadTarget } from '../road.js'
import { Backoff, sleep as realSleep } from './backoff.js'
import { IlinkApiError, IlinkClient, LONG_POLL_MS } from './client.js'
import { BOT_SENDER, OWNER_CHAT, toInboxMessages } from './inbound.js'
import { qrLogin } from './login.js'
import { ITEM_TYPE, MESSAGE_STATE, MESSAGE_TYPE, STALE_TOKEN, type MessageItem, type UpdatesAnswer } from './protocol.js'
import type { IlinkSimulator } from './simulator.js'
import { IlinkStore, type IlinkLogin } from './store.js'
import { uploadFile } from './upload.js'
import { checkWindow, REACH_HINT, RETRY_CLAUSE, type IlinkRefusalCode, type SendCheck } from './window.js'
import { Stamps } from '../../wechat/clock.js'
import type { Result } from '../../result.js'
import type { SendErrorCode } from '../../wechat/sender.js'

export interface IlinkRoadOptions {
  dataDir: string
  baseUrl: string
  cdnUrl: string
  windowHours: number
  maxPerOwnerMessage: number
  version: string
  logger: Logger
  /** The bot token and context token are registered here, so no log line can carry them. */
  runtimeSecrets?: RuntimeSecrets
  /** Where the user scans, for the words shown with the QR. */
  loginPageUrl?: () => string
  /** Draw the QR in the terminal too (the server does; tests do not). */
  terminalQr?: boolean
  now?: () => number
  /** Where `sentAt` comes from: the inbox's, so the owner's answer is always later than the send (wechat/clock.ts). */
  stamps?: Stamps
  /** Backoff waits (tests record them instead of waiting). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  random?: () => number
  requestTimeoutMs?: number
  /** The sandbox: a simulated WeChat on 127.0.0.1 instead of the real one, with its own saved login. */
  simulator?: IlinkSimulator
}

/** The sandbox's saved login is the simulator's, never mixed with a real one. */
const SANDBOX_STORE_FILE = 'ilink-sandbox.json'

export type IlinkSendCode = IlinkRefusalCode | 'expired' | Extract<SendErrorCode, 'send_failed'>
/** `unconfirmed`: WeChat did not answer, so the message may have arrived (send_failed). */
export type IlinkSendResult = Result<{ sentAt: string; messageId: string }, IlinkSendCode, { unconfirmed?: true }>

const CLAWBOT = { name: 'ClawBot' }
const SCAN_ACTION = 'scan the QR code with WeChat (8.0.69 or later on Android, 8.0.70 or later on iOS) and confirm on the phone'

export class IlinkRoad extends EventEmitter<RoadEvents> implements Road {
  readonly id = 'ilink' as const
  readonly store: IlinkStore
  private readonly client: IlinkClient
  private readonly log: Logger
  private readonly now: () => number
  /** Send times, ordered with the inbox's message times (wechat/clock.ts). */
  private readonly stamps: Stamps
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  private readonly backoff: Backoff
  private current: RoadState
  private controller?: AbortController
  private running?: Promise<void>
  /** Sends admitted and not finished: they count against the budget already. */
  private inFlight = 0
  /** The long poll's request in flight, so a send that finds the token stale can end it. */
  private currentPoll?: AbortController
  /** Set when the token went stale: the QR that follows is shown as `expired`, not as a first login. */
  private expiredReason?: string

  constructor(private readonly options: IlinkRoadOptions) {
    super()
    this.log = options.logger.child({ component: 'ilink' })
    this.now = options.now ?? Date.now
    this.stamps = options.stamps ?? new Stamps(this.now)
    this.sleep = options.sleep ?? realSleep
    this.backoff = new Backoff(1_000, 60_000, options.random)
    this.store = new IlinkStore(options.dataDir, options.simulator ? SANDBOX_STORE_FILE : undefined)
    this.client = new IlinkClient({ baseUrl: options.baseUrl, cdnUrl: options.cdnUrl, version: options.version, timeoutMs: options.requestTimeoutMs })
    this.current = { status: 'starting', since: this.isoNow() }
    this.remember(this.store.saved.login?.botToken, this.store.saved.contextToken)
  }

  get state(): RoadState {
    return this.current
  }

  /** The sandbox's simulated WeChat (the owner's messages, a stale token on demand), when this road runs in one. */
  get simulator(): IlinkSimulator | undefined {
    return this.options.simulator
  }

  get isLoggedIn(): boolean {
    return this.current.status === 'logged_in'
  }

  async start(): Promise<void> {
    if (this.running) return
    const controller = new AbortController()
    this.controller = controller
    const simulator = this.options.simulator
    if (simulator) {
      const saved = this.store.saved
      simulator.resume({ botToken: saved.login?.botToken, contextToken: saved.contextToken, lastInboundAt: saved.lastInboundAt, sentSinceInbound: saved.sentSinceInbound, cursor: saved.cursor })
      await simulator.listen()
      this.client.baseUrl = simulator.url
      this.client.cdnUrl = simulator.cdnUrl
    }
    this.running = this.run(controller.signal).catch((err: unknown) => {
      if (controller.signal.aborted) return
      // A bug, not network trouble (that is retried inside): say so instead of hanging in `starting`.
      this.log.error({ err: this.scrub(String(err)) }, 'iLink road stopped unexpectedly')
      this.setState({ status: 'failed', reason: `The ClawBot road stopped: ${this.scrub(String(err)).slice(0, 300)}`, action: 'Restart wechat-mcp; report this if it happens again.' })
    })
  }

  async stop(): Promise<void> {
    this.controller?.abort()
    await this.running
    this.running = undefined
    await this.options.simulator?.close()
  }

  async logout(): Promise<void> {
    await this.stop()
    this.store.clear()
    this.client.token = undefined
    this.setState({ status: 'logged_out', reason: 'The ClawBot login was forgotten.', action: `Restart wechat-mcp and ${SCAN_ACTION}.` })
  }

  /**
   * Whether a send to the owner could go out now: callers refuse before queueing anything. `queued` counts sends
   * the caller already admitted and holds in its queue, which will spend the budget before this one.
   */
  canSend(queued = 0): SendCheck {
    if (!this.isLoggedIn || !this.store.saved.login) {
      const expired = this.current.status === 'expired'
      return {
        ok: false,
        code: 'not_logged_in',
        detail: expired
          ? `WeChat ended the ClawBot login: ${SCAN_ACTION} (${this.loginPage()}). Then send any message to ClawBot in WeChat, then retry.`
          : `The ClawBot (iLink) road is not logged in: ${SCAN_ACTION} (${this.loginPage()}). Then send any message to ClawBot in WeChat, then retry.`,
      }
    }
    return checkWindow(this.store.saved, this.rules(), this.now(), this.inFlight + queued)
  }

  /** The Road contract's send: the owner is the only chat this road has. Throws when the message did not go out. */
  async send(to: RoadTarget, content: OutboundContent): Promise<void> {
    if (to.id !== OWNER_CHAT.id) throw new Error(`ClawBot reaches only you (chat "${OWNER_CHAT.id}"), not "${to.id}"`)
    const result = await this.sendToOwner(content)
    if (!result.ok) throw new Error(result.detail)
  }

  /** Sends to the owner. Never reports a send WeChat did not accept as sent. */
  async sendToOwner(content: OutboundContent, signal?: AbortSignal): Promise<IlinkSendResult> {
    const check = this.canSend()
    if (!check.ok) return check
    this.inFlight++
    const login = this.store.saved.login!
    try {
      let item: MessageItem
      if (content.kind === 'text') item = { type: ITEM_TYPE.TEXT, text_item: { text: content.text } }
      else item = await uploadFile(this.client, login.ownerId, { name: content.name, mediaType: content.mediaType, bytes: await content.bytes() }, signal)
      const clientId = `wechat-mcp-${randomUUID()}`
      // Taken before WeChat has it, so the owner's answer can never carry an earlier time than the send it answers
      // (a wait from `sentAt` would miss it).
      const sentAt = new Date(this.stamps.next()).toISOString()
      const answer = await this.client.sendMessage(
        {
          from_user_id: '',
          to_user_id: login.ownerId,
          client_id: clientId,
          message_type: MESSAGE_TYPE.BOT,
          message_state: MESSAGE_STATE.FINISH,
          context_token: this.store.saved.contextToken,
          item_list: [item],
        },
        signal,
      )
      this.store.update({ sentSinceInbound: (this.store.saved.sentSinceInbound ?? 0) + 1 })
      const messageId = String(answer.message_id ?? clientId)
      this.echo(messageId, content)
      return { ok: true, sentAt, messageId }
    } catch (err) {
      return this.sendFailure(err, login.botToken)
    } finally {
      this.inFlight--
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let login = this.store.saved.login
      if (!login) {
        if (!this.expiredReason) this.setState({ status: 'starting', reason: 'Getting a ClawBot QR code from WeChat…' })
        login = await qrLogin(this.client, this.loginHooks(), signal)
        this.store.update({ login, cursor: '', contextToken: undefined, lastInboundAt: undefined, sentSinceInbound: 0 })
        this.log.info({ bot: login.botId }, 'ClawBot login confirmed')
      }
      this.loggedIn(login)
      await this.poll(signal)
    }
  }

  private loggedIn(login: IlinkLogin): void {
    this.expiredReason = undefined
    // The simulator listens on a new port at every start: the address saved with its login is stale.
    this.client.baseUrl = this.options.simulator?.url ?? login.baseUrl
    this.client.token = login.botToken
    this.remember(login.botToken, this.store.saved.contextToken)
    const waiting = !this.store.saved.contextToken
    this.setState({
      status: 'logged_in',
      user: { id: login.botId, name: CLAWBOT.name },
      ...(waiting ? { reason: 'ClawBot can message you once you have messaged it.', action: REACH_HINT } : {}),
    })
  }

  /** Long-polls until the signal aborts (resolves) or the token goes stale (resolves after expiring the login). */
  private async poll(signal: AbortSignal): Promise<void> {
    let holdMs = LONG_POLL_MS
    const token = this.client.token
    // A send that learns the token is stale ends the login while this loop holds a request: it aborts just that one.
    while (!signal.aborted && token && this.store.saved.login?.botToken === token) {
      let answer: UpdatesAnswer
      const thisPoll = new AbortController()
      this.currentPoll = thisPoll
      try {
        answer = await this.client.getUpdates(this.store.saved.cursor ?? '', holdMs, AbortSignal.any([signal, thisPoll.signal]))
        const code = answer.ret || answer.errcode
        if (code === STALE_TOKEN) return this.expire(token)
        if (code) throw new IlinkApiError('getupdates', code, answer.errmsg)
      } catch (err) {
        if (signal.aborted || thisPoll.signal.aborted) return
        const wait = this.backoff.next()
        const detail = this.scrub(err instanceof Error ? err.message : String(err))
        this.log.warn({ err: detail, retryInMs: wait }, 'iLink long poll failed; retrying')
        this.setState({ ...this.current, reason: `WeChat's ClawBot server cannot be reached (${detail}); retrying in ${Math.ceil(wait / 1000)} s.`, action: undefined })
        await this.sleep(wait, signal)
        continue
      }
      if (this.backoff.failing) {
        this.backoff.reset()
        this.loggedIn(this.store.saved.login!)
      }
      if (answer.longpolling_timeout_ms && answer.longpolling_timeout_ms > 0) holdMs = Math.min(Math.max(answer.longpolling_timeout_ms, 5_000), 120_000)
      this.receive(answer)
    }
  }

  private receive(answer: UpdatesAnswer): void {
    const login = this.store.saved.login!
    const now = this.now()
    const patch: { cursor?: string; contextToken?: string; lastInboundAt?: number; sentSinceInbound?: number } = {}
    if (answer.get_updates_buf) patch.cursor = answer.get_updates_buf
    const wasWaiting = !this.store.saved.contextToken
    for (const message of answer.msgs ?? []) {
      // The bot's own messages: this road records its sends itself.
      if (message.message_type !== MESSAGE_TYPE.USER) continue
      if (message.from_user_id !== login.ownerId) {
        this.log.warn('ClawBot message from someone other than the owner ignored')
        continue
      }
      const at = Math.min(message.create_time_ms ?? now, now)
      if (at >= (patch.lastInboundAt ?? this.store.saved.lastInboundAt ?? -Infinity)) {
        patch.lastInboundAt = at
        patch.sentSinceInbound = 0
        if (message.context_token) patch.contextToken = message.context_token
      }
      for (const inbox of toInboxMessages(message)) {
        // The kind only: what the owner wrote is not for the logs.
        this.log.info({ type: inbox.type }, 'ClawBot message from the owner')
        this.emit('message', inbox)
      }
    }
    this.remember(login.botToken, patch.contextToken)
    this.store.update(patch)
    if (wasWaiting && this.store.saved.contextToken) this.loggedIn(login)
  }

  /** -14: the token is dead. Forget it (and everything tied to it) and show a new QR as `expired`. */
  private expire(staleToken: string): void {
    // Once only, and never a newer login than the one WeChat refused.
    if (this.store.saved.login?.botToken !== staleToken) return
    this.currentPoll?.abort()
    this.log.warn('WeChat says the ClawBot token is stale; a new QR code is needed')
    this.store.clear()
    this.client.token = undefined
    this.expiredReason = 'WeChat ended the ClawBot login (its token went stale); nothing reaches you through ClawBot until you scan again.'
    this.setState({ status: 'expired', reason: this.expiredReason, action: `Open ${this.loginPage()} and ${SCAN_ACTION}.` })
  }

  private loginHooks() {
    return {
      backoff: this.backoff,
      sleep: this.sleep,
      onQr: (content: string, note?: string) => {
        const status = this.expiredReason ? ('expired' as const) : ('waiting_for_scan' as const)
        const reason = note ?? this.expiredReason ?? 'Bind ClawBot: scan this QR code with WeChat.'
        this.setState({ status, qr: content, reason, action: `Open ${this.loginPage()} and ${SCAN_ACTION}.` })
        if (this.options.terminalQr) void printQr(content, this.loginPage())
      },
      onScanned: () => {
        if (this.current.status === 'scanned') return
        this.setState({ status: 'scanned', qr: this.current.qr, reason: 'Scanned.', action: 'Confirm on your phone to bind ClawBot.' })
      },
      onTrouble: (detail: string, retryInMs: number) => {
        const reason = `WeChat's ClawBot server cannot be reached (${this.scrub(detail)}); retrying in ${Math.ceil(retryInMs / 1000)} s.`
        this.log.warn({ err: this.scrub(detail), retryInMs }, 'iLink login request failed; retrying')
        this.setState({ ...this.current, reason, action: 'Check this machine’s internet connection; nothing else to do.' })
      },
    }
  }

  private sendFailure(err: unknown, usedToken: string): IlinkSendResult {
    if (err instanceof IlinkApiError && err.code === STALE_TOKEN) {
      this.expire(usedToken)
      return { ok: false, code: 'expired', detail: `WeChat ended the ClawBot login. Open ${this.loginPage()} and ${SCAN_ACTION}; then send any message to ClawBot in WeChat, then retry.` }
    }
    const detail = this.scrub(err instanceof Error ? err.message : String(err))
    this.log.warn({ err: detail }, 'iLink send failed')
    if (err instanceof IlinkApiError) {
      return { ok: false, code: 'send_failed', detail: `WeChat refused the message (${detail}). If your last message to ClawBot is old, ${RETRY_CLAUSE}` }
    }
    return { ok: false, code: 'send_failed', unconfirmed: true, detail: `${detail}. Check ClawBot in WeChat before sending again (it may have arrived if WeChat answered late).` }
  }

  private echo(id: string, content: OutboundContent): void {
    const message: RoadMessage =
      content.kind === 'text'
        ? { id, chat: OWNER_CHAT, sender: BOT_SENDER, type: 'text', text: content.text }
        : { id, chat: OWNER_CHAT, sender: BOT_SENDER, type: /^image\//.test(content.mediaType) ? 'image' : 'file', fileName: content.name }
    this.emit('message', message)
  }

  private setState(next: Omit<RoadState, 'since'>): void {
    const clean = Object.fromEntries(Object.entries(next).filter(([k, v]) => k !== 'since' && v !== undefined)) as Omit<RoadState, 'since'>
    this.current = { ...clean, since: this.isoNow() }
    this.log.info({ status: clean.status, reason: clean.reason }, 'ilink road state')
    this.emit('state', this.current)
  }

  private remember(botToken: string | undefined, contextToken: string | undefined): void {
    this.options.runtimeSecrets?.set('ilink.bot_token', botToken)
    this.options.runtimeSecrets?.set('ilink.context_token', contextToken)
  }

  /** Error texts are built from WeChat's answers: never let a token through. */
  private scrub(text: string): string {
    const saved = this.store.saved
    return redactSecrets(text, [saved.login?.botToken, saved.contextToken, this.client.token].filter((s): s is string => !!s))
  }

  private rules() {
    return { windowMs: this.options.windowHours * 3_600_000, maxPerOwnerMessage: this.options.maxPerOwnerMessage }
  }

  private loginPage(): string {
    return this.options.loginPageUrl?.() ?? 'the login page (/login)'
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString()
  }
}

async function printQr(qr: string, loginPageUrl: string): Promise<void> {
  const { default: qrcodeTerminal } = await import('qrcode-terminal')
  qrcodeTerminal.generate(qr, { small: true }, (art) => {
    process.stderr.write(`\nScan with WeChat to bind ClawBot (the iLink road), or open ${loginPageUrl}\n${art}\n`)
  })
}
