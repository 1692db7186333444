/**
 * Tells the user when WeChat drops the login, before their agent silently stops reaching anyone: one notification
 * through the configured channels, pointing at the login page. A flapping connection (log in, drop, log in, drop…)
 * must not turn into a storm, so at most one notification goes out per `minIntervalMs` (30 minutes by default);
 * the logouts in between are only logged.
 */
import type { Logger } from '../logger.js'
import type { Notifier } from '../notify/types.js'
import { quote } from './quote.js'

/** What the watcher needs of a login state: the web road's and the iLink road's both fit. */
export interface WatchedState {
  status: string
  user?: { name: string }
}

export const LOGOUT_NOTIFY_MIN_INTERVAL_MS = 30 * 60_000

/** Notifying into WeChat itself is pointless once WeChat is gone. */
const UNREACHABLE_WHEN_LOGGED_OUT = ['wechat']

export interface LogoutWatcherOptions {
  notifier: Notifier
  logger: Logger
  /** The login page's address as users reach it: PUBLIC_URL + /login, or the local address. */
  /** Read when a logout happens: the server learns its own address only once it listens. */
  loginPageUrl: () => string
  /** False when loginPageUrl is only this machine's address (no PUBLIC_URL): the message says so. */
  isPublicUrl: boolean
  minIntervalMs?: number
  now?: () => number
  /** Channels that die with this login (default: `wechat`, which needs the web road). */
  unreachable?: readonly string[]
  /** The notification's words (default: the web road's logout). */
  message?: (loginPageUrl: string, isPublicUrl: boolean, account?: string) => { title: string; content: string }
}

export function logoutMessage(loginPageUrl: string, isPublicUrl: boolean, account?: string): { title: string; content: string } {
  const where = isPublicUrl ? '' : ' (the login page of the server running wechat-mcp; set PUBLIC_URL to the address you reach it by)'
  const who = account ? `The account ${quote(account)} is no longer connected` : 'The account is no longer connected'
  return {
    title: 'WeChat logged out',
    content: `WeChat logged out; scan at ${loginPageUrl}${where}\n${who}: messages to and from WeChat stop until the new QR code is scanned.`,
  }
}

/** The iLink road's token went stale (or it was logged out): the owner must scan ClawBot's QR again. */
export function ilinkExpiredMessage(loginPageUrl: string, isPublicUrl: boolean): { title: string; content: string } {
  const where = isPublicUrl ? '' : ' (the login page of the server running wechat-mcp; set PUBLIC_URL to the address you reach it by)'
  return {
    title: 'ClawBot logged out',
    content:
      `WeChat ended the ClawBot (iLink) login; scan the new QR code at ${loginPageUrl}${where}\n` +
      'Until then the agent cannot message you or read your replies through ClawBot.',
  }
}

export class LogoutWatcher {
  private lastNotifiedAt = -Infinity
  private suppressed = 0
  private previous?: WatchedState
  private readonly log: Logger
  private readonly minIntervalMs: number
  private readonly now: () => number
  /** The notification in progress, for tests and shutdown. */
  pending: Promise<void> = Promise.resolve()

  constructor(private readonly options: LogoutWatcherOptions) {
    this.log = options.logger.child({ component: 'logout-watcher' })
    this.minIntervalMs = options.minIntervalMs ?? LOGOUT_NOTIFY_MIN_INTERVAL_MS
    this.now = options.now ?? Date.now
  }

  /** Follows a WeChat instance's state events. */
  watch(source: { on(event: 'state', listener: (state: WatchedState) => void): unknown }): this {
    source.on('state', (state) => this.onState(state))
    return this
  }

  onState(state: WatchedState): void {
    const previous = this.previous
    this.previous = state
    // Only losing a live login counts: a start-up that has not logged in yet is not news.
    if (previous?.status !== 'logged_in' || state.status === 'logged_in') return
    const now = this.now()
    if (now - this.lastNotifiedAt < this.minIntervalMs) {
      this.suppressed++
      this.log.warn({ suppressed: this.suppressed, minIntervalS: this.minIntervalMs / 1000 }, 'WeChat logged out again; not notifying again so soon')
      return
    }
    this.lastNotifiedAt = now
    this.suppressed = 0
    this.pending = this.notify(previous.user?.name)
  }

  private async notify(account: string | undefined): Promise<void> {
    const { notifier, isPublicUrl } = this.options
    const loginPageUrl = this.options.loginPageUrl()
    const unreachable = new Set(this.options.unreachable ?? UNREACHABLE_WHEN_LOGGED_OUT)
    const channels = notifier.configuredChannels().filter((c) => !unreachable.has(c))
    if (channels.length === 0) {
      this.log.warn({ loginPageUrl }, 'WeChat logged out; no notification channel is configured, so nobody was told')
      return
    }
    try {
      const words = (this.options.message ?? logoutMessage)(loginPageUrl, isPublicUrl, account)
      const report = await notifier.send({ ...words, channels })
      const results = report.results.map(({ channel, ok, status, error }) => ({ channel, ok, status, error }))
      this.log.info({ results, skipped: report.skipped }, 'logout notification sent')
    } catch (err) {
      this.log.error({ err: String(err) }, 'logout notification failed')
    }
  }
}
