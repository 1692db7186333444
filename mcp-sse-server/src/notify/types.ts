/** What a notification carries. */
export interface NotifyMessage {
  title: string
  content: string
}

/** One channel's outcome of one notification. Never holds a secret. */
export interface ChannelResult {
  channel: string
  ok: boolean
  status?: number
  error?: string
  durationMs: number
}

/** The outcome of one fan-out. */
export interface NotifyReport {
  /** Set when nothing was sent on purpose (SKIP_PUSH_TITLE, an event type filtered by NOTIFY_EVENTS). */
  skipped?: string
  results: ChannelResult[]
}

export interface NotifyRequest extends NotifyMessage {
  /** Limit delivery to these channel ids. */
  channels?: string[]
}

/** The fan-out, as tools, the CLI and the logout watcher see it. */
export interface Notifier {
  /** Ids of the channels whose variables are set (plus `wechat` when WECHAT_NOTIFY_TO is set). */
  configuredChannels(): string[]
  send(request: NotifyRequest): Promise<NotifyReport>
}
