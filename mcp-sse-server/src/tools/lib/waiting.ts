/** Waiting for the next message in one chat, shared by waitForReply and waitForMyReply: deadline, progress, cancellation. */
import type { InboxMessage } from '../../wechat/inbox.js'
import { quote } from '../../wechat/quote.js'
import type { ChatInfo } from './chat-target.js'
import type { ToolDeps, ToolExtra } from './define.js'

/** setTimeout cannot count past ~24.8 days; longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

export type WaitEnd =
  | { kind: 'message'; message: InboxMessage; waitedSeconds: number }
  | { kind: 'timeout' | 'cancelled' | 'cleared'; waitedSeconds: number }
  /** Too many waits already: WECHAT_MAX_WAITS. */
  | { kind: 'busy'; waiting: number }

/**
 * Waits for the first message from someone other than this account in `chat` after `sinceMs` (default: from now),
 * for at most `timeoutS`, sending progress notifications when the client asked for them and stopping when the call
 * is cancelled. A returned message is marked seen.
 */
export async function waitInChat(deps: ToolDeps, extra: ToolExtra, chat: ChatInfo, options: { sinceMs?: number; timeoutS: number }): Promise<WaitEnd> {
  const { inbox } = deps
  const log = deps.logger.child({ component: 'wait' })
  const { timeoutS } = options
  const started = Date.now()
  // Each wait is cheap, but not free: past the cap a runaway agent gets an answer instead of more memory.
  if (inbox.waiting >= deps.config.wait.maxWaits) return { kind: 'busy', waiting: inbox.waiting }

  const stop = new AbortController()
  const onCancel = () => stop.abort('cancelled')
  extra.signal.addEventListener('abort', onCancel, { once: true })
  if (extra.signal.aborted) onCancel() // cancelled before the listener was there
  const clearTimer = deadlineTimer(started + timeoutS * 1000, () => stop.abort('timeout'))
  const clearProgress = progressTicker(extra, deps.config.wait.progressS, timeoutS, started, chat.name)

  const pending = inbox.waitFor(chat.type, chat.id, options.sinceMs ?? started - 1, stop.signal)
  log.debug({ chat: chat.id, timeoutS, waiting: inbox.waiting }, 'reply wait started')
  const outcome = await pending
  clearTimer()
  clearProgress()
  extra.signal.removeEventListener('abort', onCancel)
  const waitedSeconds = Math.round((Date.now() - started) / 1000)
  const ended = outcome.kind === 'aborted' ? (stop.signal.reason === 'timeout' ? 'timeout' : 'cancelled') : outcome.kind
  log.debug({ chat: chat.id, outcome: ended, waitedSeconds, waiting: inbox.waiting }, 'reply wait ended')
  if (outcome.kind === 'message') {
    inbox.markSeen(chat.type, chat.id, Date.parse(outcome.message.time))
    return { kind: 'message', message: outcome.message, waitedSeconds }
  }
  return { kind: outcome.kind === 'cleared' ? 'cleared' : stop.signal.reason === 'timeout' ? 'timeout' : 'cancelled', waitedSeconds }
}

/** Fires `onDeadline` at `deadline`, however far away; returns how to cancel it. */
function deadlineTimer(deadline: number, onDeadline: () => void): () => void {
  let timer: NodeJS.Timeout
  const arm = () => {
    const left = deadline - Date.now()
    if (left <= 0) return onDeadline()
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS))
  }
  arm()
  return () => clearTimeout(timer)
}

/** MCP progress every `everyS` seconds, only when the client sent a progress token (it may reset its timeout on each). */
function progressTicker(extra: ToolExtra, everyS: number, totalS: number, started: number, name: string): () => void {
  const progressToken = extra._meta?.progressToken
  if (progressToken === undefined) return () => undefined
  const timer = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000)
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: elapsed, total: totalS, message: `waiting for a reply from ${quote(name)} (${elapsed} s of ${totalS} s)` },
      })
      .catch(() => undefined) // the client went away; the abort signal ends the wait
  }, everyS * 1000)
  return () => clearInterval(timer)
}
