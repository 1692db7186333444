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

/** A channel some of whose variables are set but which cannot run: names only, never values. */
export interface HalfConfigured {
  channel: string
  set: string[]
  /** Variable names, or "A or B" when either will do. */
  missing: string[]
}

/** Which channels a notification goes to, and which cannot run yet and why (start-up log, /health, results). */
export interface NotifyStatus {
  on: string[]
  halfConfigured: HalfConfigured[]
}

/** The outcome of one fan-out. */
export interface NotifyReport {
  /** Set when nothing was sent on purpose (SKIP_PUSH_TITLE, an event type filtered by NOTIFY_EVENTS). */
  skipped?: string
  results: ChannelResult[]
  /** Channels that were not sent to because they are only half-configured (absent when there are none). */
  halfConfigured?: HalfConfigured[]
}

export interface NotifyRequest extends NotifyMessage {
  /** Limit delivery to these channel ids. */
  channels?: string[]
}

/** The fan-out, as tools, the CLI and the logout watcher see it. */
export interface Notifier {
  /** Ids of the channels whose variables are set (plus `wechat` when WECHAT_NOTIFY_TO is set). */
  configuredChannels(): string[]
  /** The channels that are on and the half-configured ones, with what they miss. */
  status(): NotifyStatus
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

/**
 * One variable a channel reads, declared as Apprise's plugins declare their tokens. Enablement, redaction, the
 * "not configured" advice, half-configured warnings and the docs checks all derive from these flags.
 */
export interface ChannelVariable {
  /** Holds a credential (a token, a password, a keyed URL): its value is scrubbed from every log line and result. */
  readonly secret?: boolean
  /** The channel is off until it is set. */
  readonly required?: boolean
  /** Where the channel sends (an origin, a base or a full URL): an override points it elsewhere (relays, tests). */
  readonly endpoint?: boolean
  /** A value in the expected format: for required and endpoint variables, so a test can build a working setup. */
  readonly example?: string
}

/** What a channel needs to run, as a person or a model should read it. */
export interface ChannelStatus {
  id: string
  /** on = enabled; half = some of its variables are set but it cannot run; off = none is set. */
  state: 'on' | 'half' | 'off'
  /** The variables that are set (names only). */
  set: string[]
  /** What is still needed: variable names, or "A or B" when either will do. */
  missing: string[]
}

/** What a channel file declares (see defineChannel, which derives the rest). */
export interface ChannelSpec {
  /** Short, lowercase, stable: used in `channels` filters, results and docs. */
  readonly id: string
  readonly name: string
  /** Every variable it reads (qinglong / mcp-push names plus our origin override), with its flags. */
  readonly variables: Readonly<Record<string, ChannelVariable>>
  /**
   * For services with more than one way in (Apprise's templates): sets of variables, any one of which enables the
   * channel together with every required variable. The first set is the one examples and tests use.
   */
  readonly alternatives?: readonly (readonly string[])[]
  /** Human-readable success rule, as documented in docs/channels.md. */
  readonly successRule: string
  readonly limits?: ChannelLimits
  /** Secret values hidden inside variables (e.g. the corpsecret inside QYWX_AM), for redaction. */
  secrets?(env: ChannelEnv): string[]
  /** How many sequential requests this message needs (default 1); the channel deadline scales with it. */
  sequentialRequests?(message: NotifyMessage, env: ChannelEnv): number
  /** Never throws. */
  send(message: NotifyMessage, ctx: ChannelContext): Promise<SendOutcome>
}

/** One notification channel (Apprise-style plugin): its declaration plus what defineChannel derives from it. */
export interface ChannelDefinition extends ChannelSpec {
  /** Enabled iff its required variables (and one set of alternatives) are set. */
  enabled(env: ChannelEnv): boolean
  /** On, off or half-configured, and what is missing. `shared` variables (read by other channels too) do not count as a start. */
  status(env: ChannelEnv, shared?: ReadonlySet<string>): ChannelStatus
  /** Every secret value this environment gives the channel: declared secret variables and the ones hidden inside values. */
  secretValues(env: ChannelEnv): string[]
}

/** A channel added by the server at startup (WeChat itself): no variables of its own. */
export interface ExtraChannel {
  id: string
  /** Overrides NOTIFY_TIMEOUT_MS for this channel (e.g. when sends are paced). */
  timeoutMs?: number
  send(message: NotifyMessage, signal: AbortSignal): Promise<SendOutcome>
}
