/**
 * The web road: the account through any Wechaty puppet (wechat4u's web protocol by default, a token gateway through
 * wechaty-puppet-service, or the sandbox's mock). It owns the bot's lifecycle and says, in words, what state the login
 * is in and why; the directory it is handed is kept in step with the address book (address-book.ts).
 */
import { EventEmitter } from 'node:events'
import { wechat4uBotData } from '../../internals.js'
import path from 'node:path'
import type { Wechaty } from 'wechaty'
import type { Config } from '../../config.js'
import { redactSecrets, type Logger } from '../../logger.js'
import type { Directory } from '../../wechat/directory.js'
import { ErrorDigest } from '../../wechat/error-digest.js'
import { roadState, SendUnconfirmedError, type OutboundContent, type Road, type RoadEvents, type RoadState, type RoadTarget } from '../road.js'
import { AddressBookSync } from './address-book.js'
import { classify, LoginBackoff, type Trouble } from './login-trouble.js'
import { toInboxMessage } from './message.js'
import { puppetOptions } from './puppet.js'
import { inspectMemoryCard, type MemoryCardProblem } from './memory-card.js'
import { DEMO_FIXTURE, loadFixture, Sandbox } from './sandbox.js'

const WECHAT4U_PUPPET = 'wechaty-puppet-wechat4u'
/** Where wechaty-puppet-wechat4u keeps its session in the memory card (its MEMORY_SLOT_NAME). */
const WECHAT4U_MEMORY_SLOT = 'PUPPET-WECHAT4U'
const NEXT_ATTEMPT = / ?Next attempt in \d+ s\.$/
/** The longest one send may take at WeChat before it is reported as failed. */
export const SAY_TIMEOUT_MS = 60_000

export interface WebRoadOptions {
  config: Config
  logger: Logger
  directory: Directory
  loginPageUrl: () => string
}

export class WebRoad extends EventEmitter<RoadEvents> implements Road {
  readonly id = 'web' as const
  sandbox?: Sandbox
  private bot?: Wechaty
  private sync?: AddressBookSync
  private current: RoadState = roadState({ status: 'starting', reason: 'Wechaty is loading.' })
  /** The last refusal WeChat gave, so the logout that follows it can say why. */
  private trouble?: Trouble
  /** The state that said WeChat cannot be reached, while it is still the current one (known by identity, not by its words). */
  private unreachableState?: RoadState
  /** Set once stop() began: the puppet reports its own shutdown as a logout, which is not one. */
  private stopping = false
  private readonly backoff = new LoginBackoff()
  private retryTimer?: NodeJS.Timeout
  private readonly errors: ErrorDigest
  private readonly log: Logger
  /** The saved login could not be used (a corrupt memory card); shown in /health until the next login. */
  memoryCardProblem?: MemoryCardProblem

  constructor(private readonly options: WebRoadOptions) {
    super()
    this.log = options.logger.child({ component: 'wechat' })
    this.errors = new ErrorDigest(this.log)
  }

  get state(): RoadState {
    return this.current
  }

  get isLoggedIn(): boolean {
    return this.current.status === 'logged_in'
  }

  /** Re-reads every contact and room into the directory now. */
  refresh(): Promise<void> {
    return this.sync?.refresh() ?? Promise.resolve()
  }

  /** The live Wechaty instance (tests reach the puppet through it). */
  get wechaty(): Wechaty | undefined {
    return this.bot
  }

  /** Starts Wechaty in this process. Never throws: a puppet that cannot start leaves the road `failed`, with why. */
  async start(): Promise<void> {
    const { config } = this.options
    try {
      // wechaty/impls, not the package root: the root also re-exports IoClient, which loads the whole gRPC/protobuf
      // stack of wechaty-puppet-service even when no gateway is used (14 to 18 MB of RSS and about 250 ms of start;
      // see docs/benchmarks.md). WechatyBuilder.build(options) is exactly `new WechatyImpl(options)`.
      const { WechatyImpl } = await import('wechaty/impls')
      let bot: Wechaty
      this.memoryCardProblem = inspectMemoryCard(path.join(config.dataDir, config.sandbox ? 'sandbox' : 'wechat'), this.log)
      if (config.sandbox) {
        const fixture = config.mockFixture ? loadFixture(config.mockFixture) : DEMO_FIXTURE
        const { sandbox, puppet } = await Sandbox.create(fixture)
        this.sandbox = sandbox
        bot = new WechatyImpl({ name: path.join(config.dataDir, 'sandbox'), puppet })
      } else {
        bot = new WechatyImpl({ name: path.join(config.dataDir, 'wechat'), puppet: config.puppet as never, ...puppetOptions(config) })
      }
      this.bot = bot
      this.sync = new AddressBookSync(bot, this.options.directory, () => this.isLoggedIn, this.log, config.rereadMinIntervalMs)
      this.wire(bot)
      await bot.start()
      if (this.stopping) return
      this.sync.follow()
      if (config.puppet === WECHAT4U_PUPPET) this.paceWechat4uLogins(bot)
      if (this.current.status === 'starting') this.setState({ status: 'starting', reason: 'Waiting for WeChat to answer.' })
      this.sandbox?.populateAndLogin()
    } catch (err) {
      const text = this.scrub(err)
      this.log.error({ err: text, puppet: config.puppet }, 'WeChat failed to start; the server keeps serving and reports it in /health')
      // A missing package is the common case; its error names this machine's paths, which /health need not show.
      const why = MISSING_PACKAGE.test(text) ? `the package ${config.puppet} is not installed` : text.slice(0, 300)
      this.setState({ status: 'failed', reason: `The puppet ${config.puppet} could not be started: ${why}.`, action: startAction(config.puppet, text) })
    }
  }

  /**
   * Stops the bot, keeping the login for the next start. wechat4u is the exception: its stop() logs the account out
   * at WeChat (webwxlogout) and deletes the saved session, the opposite of "scan once". For it, the live session is
   * written to the memory card and the bot is left to end with the process.
   */
  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.retryTimer)
    this.sync?.stop()
    this.sandbox?.stop()
    this.errors.stop()
    if (!this.bot) return
    if (this.options.config.puppet === WECHAT4U_PUPPET) await this.saveWechat4uSession(this.bot)
    else await this.bot.stop()
  }

  /** Logs the account out (the saved session is dropped by the puppet). */
  async logout(): Promise<void> {
    await this.bot?.logout()
  }

  /** Sends through Wechaty; throws when WeChat does not take it. */
  async send(to: RoadTarget, content: OutboundContent): Promise<void> {
    const bot = this.bot
    if (!bot || !this.isLoggedIn) throw new Error('WeChat is not logged in')
    const target = to.type === 'contact' ? await bot.Contact.find({ id: to.id }) : await bot.Room.find({ id: to.id })
    if (!target) throw new Error(`the ${to.type} is no longer in the address book`)
    const payload = content.kind === 'text' ? content.text : await toFileBox(await content.bytes(), content.name)
    // One hung puppet call must not hold the only outbound queue forever.
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SendUnconfirmedError(SAY_TIMEOUT_MS / 1000)),
        SAY_TIMEOUT_MS,
      )
    })
    try {
      await Promise.race([target.say(payload as never), hung])
    } finally {
      clearTimeout(timer)
    }
  }

  private setState(next: Omit<RoadState, 'since'>): void {
    this.current = roadState(next)
    this.log.info({ status: next.status, user: next.user?.name, reason: next.reason }, 'wechat login state')
    this.emit('state', this.current)
  }

  private wire(bot: Wechaty): void {
    bot.on('scan', (qrcode, status) => {
      // ScanStatus: 2 Waiting, 3 Scanned, 4 Confirmed, 5 Timeout.
      if (status === 3 || status === 4) {
        this.setState({ status: 'scanned', qr: this.current.qr ?? qrcode, action: 'Confirm the login on the phone.' })
        return
      }
      if (status === 5) {
        this.setState({ status: 'expired', reason: 'The QR code expired before it was scanned.', action: 'A new QR code appears in a moment.' })
        return
      }
      if (!qrcode) return
      const after = this.trouble?.kind === 'session_dropped' ? this.trouble : undefined
      this.setState({ status: 'waiting_for_scan', qr: qrcode, ...(after ? { reason: after.reason, action: after.action } : {}) })
      void printQr(qrcode, this.options.loginPageUrl(), this.options.config.sandbox)
    })
    bot.on('login', (user) => {
      this.trouble = undefined
      this.backoff.reset()
      // A new login writes a new memory card: whatever was wrong with the old one is behind us.
      this.memoryCardProblem = undefined
      this.setState({ status: 'logged_in', user: { id: user.id, name: user.name() } })
      this.sync?.loggedIn()
    })
    bot.on('logout', (user, reason) => {
      if (this.stopping) return
      this.log.warn({ user: user?.name(), reason }, 'WeChat logged out')
      this.sync?.loggedOut()
      const why = this.trouble && this.trouble.kind !== 'unreachable' ? this.trouble : undefined
      this.setState({
        status: why?.kind === 'barred' || why?.kind === 'gateway_refused' ? 'failed' : 'logged_out',
        reason: why?.reason ?? 'WeChat ended the session (logged out on the phone, or by WeChat).',
        action: why?.action ?? 'A new QR code appears in a moment; scan it to log in again.',
      })
      // wechat4u starts a new login by itself (a new QR follows); the mock puppet has to be told to.
      this.sandbox?.relogin()
    })
    bot.on('error', (err) => this.onError(bot, err))
    bot.on('message', (message) => {
      try {
        const kept = toInboxMessage(message, this.options.directory, (id) => this.sandbox?.fileName(id))
        this.emit('message', kept)
      } catch (err) {
        this.log.debug({ err: String(err), id: message.id }, 'message not kept in the inbox')
      }
    })
  }

  private onError(bot: Wechaty, err: unknown): void {
    const text = this.scrub(err)
    this.errors.report(text)
    const trouble = classify(text)
    if (!trouble) return
    if (this.isLoggedIn) {
      if (trouble.kind !== 'session_dropped') return
      this.trouble = trouble
      this.log.warn({ code: trouble.code }, 'WeChat dropped the session silently; logging out so a new QR is shown')
      void bot.logout().catch(() => this.setState({ status: 'logged_out', reason: trouble.reason, action: trouble.action }))
      return
    }
    if (trouble.kind === 'session_dropped' && trouble.code === '400') {
      // Before a login, wechat4u's "400 != 400" is its QR code timing out, not WeChat refusing anything.
      this.setState({ status: 'expired', reason: 'The QR code expired before it was scanned.', action: 'A new QR code appears in a moment.' })
      return
    }
    this.trouble = trouble
    if (trouble.kind === 'barred' || trouble.kind === 'gateway_refused') {
      if (this.current.status !== 'failed') this.setState({ status: 'failed', reason: trouble.reason, action: trouble.action })
      return
    }
    // Offline, the puppet reports the same failure several times a second: the state changes once, not each time.
    if (trouble.kind === 'unreachable' && this.current.status !== 'failed' && this.current !== this.unreachableState) {
      this.setState({ status: 'starting', reason: trouble.reason, action: trouble.action })
      this.unreachableState = this.current
    }
  }

  /**
   * wechat4u starts a new login as soon as one fails (no network, a refused account, an expired QR): left alone, that
   * is a loop against WeChat's login servers several times a second. Its puppet calls `wechat4u.start()` for each new
   * attempt; every attempt after the first goes through LoginBackoff.
   */
  private paceWechat4uLogins(bot: Wechaty): void {
    const client = (bot.puppet as unknown as { wechat4u?: { start: () => Promise<unknown> } }).wechat4u
    if (!client) return
    const start = client.start.bind(client)
    client.start = () => {
      const delayMs = this.backoff.next(this.trouble?.kind)
      if (delayMs === 0) return start()
      this.log.info({ delayMs }, 'WeChat login retry scheduled')
      if (this.current.status !== 'failed' && this.current.status !== 'logged_out') {
        const unreachable = this.current === this.unreachableState
        const action = (this.current.action ?? '').replace(NEXT_ATTEMPT, '')
        this.setState({ ...this.current, action: `${action} Next attempt in ${Math.round(delayMs / 1000)} s.`.trim() })
        // Still the same trouble, now saying when the next attempt is: the errors repeating it change nothing.
        if (unreachable) this.unreachableState = this.current
      }
      clearTimeout(this.retryTimer)
      this.retryTimer = setTimeout(() => {
        if (!this.stopping) void start()
      }, delayMs)
      this.retryTimer.unref()
      return Promise.resolve()
    }
  }

  /** wechat4u writes its session only at login, while its cookies and sync keys move on: save the current ones. */
  private async saveWechat4uSession(bot: Wechaty): Promise<void> {
    try {
      const puppet = bot.puppet as unknown as { memory?: { set(key: string, value: unknown): Promise<void>; save(): Promise<void> } }
      const session = wechat4uBotData(bot.puppet)
      if (!this.isLoggedIn || !session || !puppet.memory) return
      await puppet.memory.set(WECHAT4U_MEMORY_SLOT, session.botData)
      await puppet.memory.save()
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not save the WeChat session on stop; the one saved at login stays')
    }
  }

  private scrub(err: unknown): string {
    return redactSecrets(err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err), this.options.config.secrets)
  }
}

const MISSING_PACKAGE = /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/

function startAction(puppet: string, error: string): string {
  if (MISSING_PACKAGE.test(error)) {
    return `Install the puppet next to wechat-mcp (npm install ${puppet}), or set WECHATY_PUPPET to wechaty-puppet-wechat4u (the default), wechaty-puppet-service (a token gateway) or none (no web road). Then restart the server.`
  }
  return 'Check the puppet\'s settings (WECHATY_PUPPET, WECHATY_PUPPET_TOKEN, WECHATY_PUPPET_SERVICE_*) and restart the server; the server log has the details.'
}

async function toFileBox(bytes: Buffer, name: string) {
  const { FileBox } = await import('file-box')
  // Base64 rather than a Buffer box: every puppet (the mock included, which serialises boxes) can carry it.
  return FileBox.fromBase64(bytes.toString('base64'), name)
}

async function printQr(qr: string, loginPageUrl: string, sandbox: boolean): Promise<void> {
  const { default: qrcodeTerminal } = await import('qrcode-terminal')
  qrcodeTerminal.generate(qr, { small: true }, (art) => {
    const note = sandbox ? ' (sandbox: logs in by itself)' : ''
    process.stderr.write(`\nScan with WeChat to log in${note}, or open ${loginPageUrl}\n${art}\n`)
  })
}
