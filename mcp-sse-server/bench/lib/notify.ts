/** notify_send through every channel, each answered by a local server after a fixed delay. */
import type { Figure } from './report.js'
import type { BenchContext } from './servers.js'
import type { Budgets, Log } from './phases.js'

export async function notifyPhase(_ctx: BenchContext, _budgets: Budgets, log: Log): Promise<Figure[]> {
  log('notify: the channel fan-out is not on this branch yet; skipped')
  return []
}
