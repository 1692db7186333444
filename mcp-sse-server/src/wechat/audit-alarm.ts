/**
 * Tells the operator when the audit log stops being writable: from then on every WeChat send is refused, and
 * whoever runs the server has to free space or fix DATA_DIR. One error line in the JSON log and one notification
 * through the configured channels per episode (at most one per `minIntervalMs` if it flaps); recovery is logged.
 */
import type { Logger } from '../logger.js'
import type { Notifier } from '../notify/types.js'

export const AUDIT_NOTIFY_MIN_INTERVAL_MS = 30 * 60_000

/** Delivering into WeChat (as the account, or through ClawBot) is itself a send, and sends are what the broken log is stopping. */
const UNREACHABLE_WHILE_FAILING = new Set(['wechat', 'ilink'])

export interface AuditAlarmOptions {
  notifier: Notifier
  logger: Logger
  /** The log's path, for the operator (never shown in /health). */
  file: string
  minIntervalMs?: number
  now?: () => number
}

export function auditFailureMessage(file: string, cause: string): { title: string; content: string } {
  return {
    title: 'wechat-mcp: audit log not writable',
    content:
      `The audit log ${file} cannot be written: ${cause}.\n` +
      'No WeChat message goes out until it can: every send is refused with this reason. Free space on that disk or fix ' +
      'the permissions of DATA_DIR; sends resume by themselves once a line can be written.',
  }
}

export class AuditAlarm {
  private lastNotifiedAt = -Infinity
  private readonly log: Logger
  /** The notification in progress, for tests and shutdown. */
  pending: Promise<void> = Promise.resolve()

  constructor(private readonly options: AuditAlarmOptions) {
    this.log = options.logger.child({ component: 'audit' })
  }

  watch(audit: { on(event: 'failed', listener: (cause: string) => void): unknown; on(event: 'recovered', listener: () => void): unknown }): this {
    audit.on('failed', (cause) => this.onFailed(cause))
    audit.on('recovered', () => this.log.info({ file: this.options.file }, 'audit log writable again; WeChat sends resume'))
    return this
  }

  onFailed(cause: string): void {
    const { file, minIntervalMs = AUDIT_NOTIFY_MIN_INTERVAL_MS, now = Date.now } = this.options
    this.log.error({ file, cause }, 'audit log cannot be written; every WeChat send is refused until it can')
    if (now() - this.lastNotifiedAt < minIntervalMs) return
    this.lastNotifiedAt = now()
    this.pending = this.notify(cause)
  }

  private async notify(cause: string): Promise<void> {
    const { notifier, file } = this.options
    const channels = notifier.configuredChannels().filter((c) => !UNREACHABLE_WHILE_FAILING.has(c))
    if (channels.length === 0) {
      this.log.warn('no notification channel is configured, so only this log says the audit log is failing')
      return
    }
    try {
      const report = await notifier.send({ ...auditFailureMessage(file, cause), channels })
      const results = report.results.map(({ channel, ok, status, error }) => ({ channel, ok, status, error }))
      this.log.info({ results, skipped: report.skipped }, 'audit failure notification sent')
    } catch (err) {
      this.log.error({ err: String(err) }, 'audit failure notification failed')
    }
  }
}
