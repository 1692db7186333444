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

/** The channel variables that are set (config.notify.channelEnv). */
export type ChannelEnv = Readonly<Record<string, string | undefined>>

/** What a channel's send() resolves to. */
export interface SendOutcome {
  ok: boolean
  status?: number
  error?: string
}

/** Handed to a channel's send() by the notifier. */
export interface ChannelContext {
  env: ChannelEnv
  /** Aborted when the channel's whole deadline passes; every request must honour it. */
  signal: AbortSignal
  /** Hard limit for each single HTTP request. */
  timeoutMs: number
  /** Every secret value (config's plus the channels' derived ones), for redacting error texts. */
  secrets: readonly string[]
}

/** Size limits; the notifier trims the content to fit before calling send(). */
export interface ChannelLimits {
  /** Maximum characters of title + content (as the service counts them). */
  maxChars?: number
  /** Maximum UTF-8 bytes of title + content. */
  maxBytes?: number
}

/** One notification channel (Apprise-style plugin): variables, enablement, limits, success rule, send. */
export interface ChannelDefinition {
  /** Short, lowercase, stable: used in `channels` filters, results and docs. */
  readonly id: string
  readonly name: string
  /** Every variable it reads (qinglong / mcp-push names plus our origin override). */
  readonly variables: readonly string[]
  /** Human-readable success rule, as documented in docs/channels.md. */
  readonly successRule: string
  readonly limits?: ChannelLimits
  /** Enabled iff its required variables are set. */
  enabled(env: ChannelEnv): boolean
  /** Secret values hidden inside variables (e.g. the corpsecret inside QYWX_AM), for redaction. */
  secrets?(env: ChannelEnv): string[]
  /** How many sequential requests this message needs (default 1); the channel deadline scales with it. */
  sequentialRequests?(message: NotifyMessage, env: ChannelEnv): number
  /** Never throws. */
  send(message: NotifyMessage, ctx: ChannelContext): Promise<SendOutcome>
}

/** A channel added by the server at startup (WeChat itself): no variables of its own. */
export interface ExtraChannel {
  id: string
  /** Overrides NOTIFY_TIMEOUT_MS for this channel (e.g. when sends are paced). */
  timeoutMs?: number
  send(message: NotifyMessage, signal: AbortSignal): Promise<SendOutcome>
}
