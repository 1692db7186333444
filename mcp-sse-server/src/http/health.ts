/**
 * What /health adds to "the process answers": problems that stop the server doing its job while it keeps running.
 * `status` is "degraded" while any is present; each names its cause in plain words (never a path or a secret).
 */
import type { AuditHealth } from '../wechat/audit.js'
import type { MemoryCardProblem } from '../roads/web/memory-card.js'

export interface HealthSources {
  audit: { readonly health: AuditHealth }
  readonly memoryCardProblem?: MemoryCardProblem
}

export interface HealthChecks {
  status: 'ok' | 'degraded'
  /** writable: every send is recorded; failing: every WeChat send is refused until it is writable again. */
  audit: { status: 'writable' } | { status: 'failing'; error: string; since: string }
  /** Present only when the saved login could not be used at start. */
  memoryCard?: { status: 'corrupt'; error: string; movedTo?: string; since: string }
}

export function healthChecks({ audit, memoryCardProblem }: HealthSources): HealthChecks {
  const log = audit.health
  const checks: HealthChecks = {
    status: log.ok && !memoryCardProblem ? 'ok' : 'degraded',
    audit: log.ok ? { status: 'writable' } : { status: 'failing', error: log.error, since: log.since },
  }
  if (memoryCardProblem) checks.memoryCard = { status: 'corrupt', ...memoryCardProblem }
  return checks
}
