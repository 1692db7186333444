/** How notify_send and notify_event answer with a fan-out report: one way, so the two never disagree. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describeReport, outcomeOf, structuredReport } from '../../notify/report.js'
import type { Notifier, NotifyReport } from '../../notify/types.js'
import { failure, success } from './define.js'

/** An error only when every channel failed or none is configured: a skipped event type is not one. */
export function reportResult(report: NotifyReport, notifier: Notifier): CallToolResult {
  const configured = notifier.configuredChannels()
  const text = describeReport(report, configured)
  const structured = structuredReport(report, configured)
  const outcome = outcomeOf(report, configured)
  return outcome === 'all-failed' || outcome === 'none-configured' ? failure(text, structured) : success(text, structured)
}
