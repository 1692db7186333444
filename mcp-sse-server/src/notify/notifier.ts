/**
 * The fan-out: every enabled channel at once, each under its own deadline, each isolated from the others'
 * failures, slowness and crashes; one redacted result per channel.
 */
import type { Config } from '../config.js'
import { redactSecrets, type Logger } from '../logger.js'
import { describeError, httpRequest } from './http.js'
import { describeStatus } from './channel.js'
import { channelSecrets, channelStatuses, channels as registryChannels } from './registry.js'
import type {
  ChannelDefinition,
  ChannelLimits,
  ChannelResult,
  ExtraChannel,
  HalfConfigured,
  NotifyMessage,
  NotifyReport,
  NotifyRequest,
  NotifyStatus,
  Notifier,
  SendOutcome,
} from './types.js'

export interface NotifierDeps {
  config: Config
  logger: Logger
  /** Channels the server adds at startup (WeChat itself), fanned out like any other. */
  extraChannels?: readonly ExtraChannel[]
  /** The channel set; the registry by default (tests narrow it). */
  channels?: readonly ChannelDefinition[]
  /** Where HITOKOTO is fetched from (tests point it at a local server). */
  hitokotoUrl?: string
}

const MAX_ERROR_CHARS = 500
const TRUNCATED = '…(truncated)'

interface Target {
  id: string
  /** The whole channel's deadline: one timeout per sequential request it needs. */
  deadlineMs(message: NotifyMessage): number
  run(message: NotifyMessage, signal: AbortSignal): Promise<SendOutcome>
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const { config } = deps
  const env = config.notify.channelEnv
  const timeoutMs = config.notify.timeoutMs
  const log = deps.logger.child({ component: 'notify' })
  const all = deps.channels ?? registryChannels
  const extras = deps.extraChannels ?? []
  const enabled = all.filter((c) => c.enabled(env))
  const statuses = channelStatuses(env, all)
  const halfConfigured: HalfConfigured[] = statuses
    .filter((s) => s.state === 'half')
    .map((s) => ({ channel: s.id, set: s.set, missing: s.missing }))
  // config holds the registry's secrets; a channel set given by a test may bring its own.
  const secrets = [...new Set([...config.secrets, ...channelSecrets(env, all)])].filter((s) => s.length >= 4)

  const targets = toTargets(enabled, extras, env, timeoutMs, secrets)
  const knownIds = [...all.map((c) => c.id), ...extras.map((x) => x.id)]

  function unselectable(id: string): ChannelResult {
    const status = statuses.find((s) => s.id === id)
    const error = status
      ? `channel ${describeStatus(status)} (see docs/channels.md)`
      : `unknown channel "${id}"; valid ids: ${knownIds.join(', ')}`
    return { channel: id, ok: false, error, durationMs: 0 }
  }

  async function withHitokoto(message: NotifyMessage): Promise<NotifyMessage> {
    if (env.HITOKOTO?.trim().toLowerCase() !== 'true') return message
    const got = await httpRequest(
      { url: deps.hitokotoUrl ?? 'https://v1.hitokoto.cn/', method: 'GET' },
      { signal: new AbortController().signal, timeoutMs, secrets },
    )
    const body = got.ok ? (got.reply.json as { hitokoto?: unknown; from?: unknown } | undefined) : undefined
    if (typeof body?.hitokoto !== 'string') {
      log.warn({ error: got.ok ? `HTTP ${got.reply.status}: not a hitokoto reply` : got.error }, 'HITOKOTO fetch failed; sending without it')
      return message
    }
    return { ...message, content: `${message.content}\n\n${body.hitokoto}    ----${String(body.from ?? '')}` }
  }

  return {
    configuredChannels: () => targets.map((t) => t.id),
    status: () => ({ on: targets.map((t) => t.id), halfConfigured }),

    async send(request: NotifyRequest): Promise<NotifyReport> {
      const skipTitles = (env.SKIP_PUSH_TITLE ?? '').split('\n').map((t) => t.replace(/\r$/, ''))
      if (skipTitles.includes(request.title)) {
        log.info('notification skipped: its title is listed in SKIP_PUSH_TITLE')
        return withHalf({ skipped: 'the title is listed in SKIP_PUSH_TITLE', results: [] })
      }

      const wanted = request.channels?.length ? [...new Set(request.channels.map((c) => c.trim().toLowerCase()))] : undefined
      const selected = wanted ? targets.filter((t) => wanted.includes(t.id)) : targets
      const rejected = wanted ? wanted.filter((id) => !targets.some((t) => t.id === id)).map(unselectable) : []
      if (!selected.length) {
        if (!rejected.length) log.warn({ halfConfigured }, 'notification not sent: no channel is configured')
        return withHalf({ results: rejected })
      }

      const message = await withHitokoto({ title: request.title, content: request.content })
      const results = [...(await Promise.all(selected.map((t) => runOne(t, message, secrets)))), ...rejected]
      for (const r of results) {
        if (r.ok) log.info({ channel: r.channel, status: r.status, durationMs: r.durationMs }, 'notification delivered')
        else log.warn({ channel: r.channel, status: r.status, error: r.error, durationMs: r.durationMs }, 'notification failed')
      }
      return withHalf({ results })
    },
  }

  /** Every report names the half-configured channels, so whoever reads a result learns what to fix. */
  function withHalf(report: NotifyReport): NotifyReport {
    return halfConfigured.length ? { ...report, halfConfigured } : report
  }
}

/** Every enabled channel and every extra one, as targets with their deadline. */
function toTargets(enabled: readonly ChannelDefinition[], extras: readonly ExtraChannel[], env: Record<string, string>, timeoutMs: number, secrets: string[]): Target[] {
  return [
    ...enabled.map(
      (c): Target => ({
        id: c.id,
        deadlineMs: (message) => timeoutMs * Math.max(1, c.sequentialRequests?.(message, env) ?? 1),
        run: (message, signal) => {
          const fitted = fitMessage(message, c.limits)
          return c.send(fitted, { env, signal, timeoutMs, secrets })
        },
      }),
    ),
    ...extras.map((x): Target => ({ id: x.id, deadlineMs: () => x.timeoutMs ?? timeoutMs, run: (m, s) => x.send(m, s) })),
  ]
}

/** One channel under its deadline: a hang is cut off (and aborted), a crash is its own failure, the error redacted. */
async function runOne(target: Target, message: NotifyMessage, secrets: readonly string[]): Promise<ChannelResult> {
  const started = performance.now()
  const controller = new AbortController()
  const deadline = target.deadlineMs(message)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort()
      resolve({ ok: false, error: `timed out after ${deadline} ms` })
    }, deadline)
  })
  // A send that throws (synchronously or not) despite the contract is one failed channel, nothing more.
  const attempt = Promise.resolve()
    .then(() => target.run(message, controller.signal))
    .catch((err: unknown): SendOutcome => ({ ok: false, error: `channel crashed: ${describeError(err)}` }))
  const outcome = await Promise.race([attempt, timedOut])
  clearTimeout(timer)
  return toResult(target.id, outcome, Math.round(performance.now() - started), secrets)
}

function toResult(channel: string, outcome: SendOutcome | undefined, durationMs: number, secrets: readonly string[]): ChannelResult {
  const ok = outcome?.ok === true
  const result: ChannelResult = { channel, ok, durationMs }
  if (typeof outcome?.status === 'number') result.status = outcome.status
  if (!ok) {
    const error = redactSecrets(String(outcome?.error ?? 'failed without saying why'), secrets)
    result.error = error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}…` : error
  }
  return result
}

/** At start-up: where notifications go, and one warning per half-configured channel saying what to add. */
export function logNotifyStatus(logger: Logger, status: NotifyStatus): void {
  const log = logger.child({ component: 'notify' })
  log.info({ channels: status.on }, status.on.length ? `notifications go to ${status.on.join(', ')}` : 'no notification channel is configured')
  for (const h of status.halfConfigured) {
    log.warn(
      { channel: h.channel, set: h.set, missing: h.missing },
      `${describeStatus({ id: h.channel, state: 'half', set: h.set, missing: h.missing })}; it is off until you set them (docs/channels.md)`,
    )
  }
}

/** Trims the content (then, if need be, the title) so that title + "\n\n" + content fits the channel's limits. */
export function fitMessage(message: NotifyMessage, limits: ChannelLimits | undefined): NotifyMessage {
  if (!limits || (!limits.maxChars && !limits.maxBytes)) return message
  const fits = (title: string, content: string) => {
    const whole = `${title}\n\n${content}`
    return (!limits.maxChars || Array.from(whole).length <= limits.maxChars) && (!limits.maxBytes || Buffer.byteLength(whole) <= limits.maxBytes)
  }
  if (fits(message.title, message.content)) return message
  const content = longestFitting(message.content, (c) => fits(message.title, c))
  if (content !== undefined) return { ...message, content }
  return { title: longestFitting(message.title, (t) => fits(t, '')) ?? '', content: '' }
}

/** The longest prefix (by code point, plus the truncation mark) that fits; binary search. */
function longestFitting(text: string, fits: (candidate: string) => boolean): string | undefined {
  const chars = Array.from(text)
  const cut = (n: number) => chars.slice(0, n).join('') + TRUNCATED
  if (!fits(cut(0))) return undefined
  let lo = 0
  let hi = chars.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (fits(cut(mid))) lo = mid
    else hi = mid - 1
  }
  return cut(lo)
}
