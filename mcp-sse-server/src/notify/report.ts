/** How a fan-out's outcome is told to people and models: shared by the two tools and the CLI. */
import * as z from 'zod'
import { describeStatus } from './channel.js'
import { channels } from './registry.js'
import type { ChannelResult, HalfConfigured, NotifyReport } from './types.js'

export const OUTCOMES = ['delivered', 'skipped', 'all-failed', 'none-configured'] as const
export type Outcome = (typeof OUTCOMES)[number]

export function outcomeOf(report: NotifyReport, configured: readonly string[]): Outcome {
  if (report.skipped !== undefined) return 'skipped'
  if (configured.length === 0) return 'none-configured'
  return report.results.some((r) => r.ok) ? 'delivered' : 'all-failed'
}

/** The channels offered as examples when none is configured; what each needs comes from its declaration. */
const SUGGESTED = ['telegram', 'dingtalk', 'wecom-bot', 'bark', 'serverchan']
const suggestions = SUGGESTED.flatMap((id) => channels.filter((c) => c.id === id))
  .map((c) => `${c.status({}).missing.join(' + ')} for ${c.name}`)
  .join(', ')

export const NONE_CONFIGURED =
  'No notification channel is configured. Set the variables of at least one channel in the environment or .env ' +
  `(e.g. ${suggestions}, or WECHAT_NOTIFY_TO=filehelper for WeChat itself), then restart. ` +
  'Every channel and its variables: docs/channels.md.'

/**
 * The same for `wechat-mcp notify` / `event`: the CLI has no WeChat session, so WECHAT_NOTIFY_TO can never deliver
 * from it and only the webhook channels are worth suggesting.
 */
export function noneConfiguredForCli(wechatNotifyToSet: boolean): string {
  return (
    'No notification channel is configured for this command. Set the variables of at least one webhook channel in the ' +
    `environment or .env (e.g. ${suggestions}); every channel and its variables: docs/channels.md. ` +
    (wechatNotifyToSet
      ? 'WECHAT_NOTIFY_TO is set, but it only works through the running server (the notify_send and notify_event tools), ' +
        'which holds the WeChat login; this command has none.'
      : 'WECHAT_NOTIFY_TO (delivery into WeChat) only works through the running server (the notify_send and notify_event tools), not here.')
  )
}

export function resultLine(r: ChannelResult): string {
  const status = r.status === undefined ? '' : ` HTTP ${r.status}`
  return r.ok ? `✓ ${r.channel}${status} (${r.durationMs} ms)` : `✗ ${r.channel}${status} (${r.durationMs} ms): ${r.error ?? 'failed'}`
}

/** "! telegram is half-configured: TG_BOT_TOKEN is set but TG_USER_ID is missing" */
export function halfConfiguredLine(h: HalfConfigured): string {
  return `! ${describeStatus({ id: h.channel, state: 'half', set: h.set, missing: h.missing })}`
}

/**
 * A readable summary: the headline, one line per channel, then the half-configured channels (what they miss), so
 * whoever reads a result learns what to fix. `noneConfigured` replaces the server's advice.
 */
export function describeReport(report: NotifyReport, configured: readonly string[], noneConfigured = NONE_CONFIGURED): string {
  const half = (report.halfConfigured ?? []).map(halfConfiguredLine)
  const outcome = outcomeOf(report, configured)
  if (outcome === 'skipped') return [`Not sent: ${report.skipped}.`, ...half].join('\n')
  if (outcome === 'none-configured') return [noneConfigured, ...half].join('\n')
  const delivered = report.results.filter((r) => r.ok).length
  const headline =
    outcome === 'delivered'
      ? `Delivered to ${delivered} of ${report.results.length} channel(s).`
      : `Every channel failed (${report.results.length}). Check the errors below and the channel variables (docs/channels.md).`
  return [headline, ...report.results.map(resultLine), ...half].join('\n')
}

/** structuredContent for both tools (matches reportOutputSchema). */
export function structuredReport(report: NotifyReport, configured: readonly string[]): Record<string, unknown> {
  return {
    outcome: outcomeOf(report, configured),
    ...(report.skipped !== undefined ? { skipped: report.skipped } : {}),
    delivered: report.results.filter((r) => r.ok).length,
    failed: report.results.filter((r) => !r.ok).length,
    results: report.results,
    ...(report.halfConfigured?.length ? { halfConfigured: report.halfConfigured } : {}),
  }
}

/** The outputSchema shape of notify_send and notify_event. */
export const reportOutputSchema = {
  outcome: z
    .enum(OUTCOMES)
    .describe('delivered = at least one channel accepted; skipped = deliberately not sent'),
  skipped: z.string().optional().describe('Why nothing was sent, when it was skipped on purpose'),
  delivered: z.number().int().describe('Channels that accepted the notification'),
  failed: z.number().int().describe('Channels that did not'),
  results: z
    .array(
      z.object({
        channel: z.string().describe('Channel id, e.g. telegram, dingtalk, wechat'),
        ok: z.boolean(),
        status: z.number().int().optional().describe('HTTP status of the (last) request'),
        error: z.string().optional().describe('Why this channel failed (secrets removed)'),
        durationMs: z.number().describe('Time this channel took'),
      }),
    )
    .describe('One entry per channel'),
  halfConfigured: z
    .array(
      z.object({
        channel: z.string(),
        set: z.array(z.string()).describe('Variables that are set (names only)'),
        missing: z.array(z.string()).describe('Variables still needed ("A or B" when either will do)'),
      }),
    )
    .optional()
    .describe('Channels not sent to because only some of their variables are set: tell the user what to add'),
}
