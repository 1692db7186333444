/**
 * WeChat lets the ClawBot reply only within a window after the owner's latest message (about 24 hours) and only so
 * many times per owner message (about 10); outside them the server refuses. Checking here first means a send that
 * cannot go out is refused at once, with what to do, instead of waiting in the queue to fail.
 */
import type { IlinkSaved } from './store.js'
import type { Fail, Ok } from '../../result.js'
import type { SendErrorCode } from '../../wechat/sender.js'

/** ClawBot's own rules, plus the sender's code for a road that is not logged in (one meaning, one name). */
export type IlinkRefusalCode = Extract<SendErrorCode, 'not_logged_in'> | 'no_owner_message' | 'window_closed' | 'budget_spent'

export type SendCheck = Ok | Fail<IlinkRefusalCode>

export interface WindowRules {
  windowMs: number
  maxPerOwnerMessage: number
}

const MESSAGE_CLAWBOT = 'any message to ClawBot in WeChat'
export const RETRY_HINT = `Send ${MESSAGE_CLAWBOT}, then retry.`
/** The same inside a sentence, and the login page's ask: spelled out, so no caller rewrites another's words. */
export const RETRY_CLAUSE = `send ${MESSAGE_CLAWBOT}, then retry.`
export const REACH_HINT = `Send ${MESSAGE_CLAWBOT} so the agent can reach you.`

/**
 * `inFlight` counts sends already admitted but not finished: ten admitted at once must not make eleven.
 */
export function checkWindow(saved: Readonly<IlinkSaved>, rules: WindowRules, now: number, inFlight: number): SendCheck {
  if (!saved.contextToken || saved.lastInboundAt === undefined) {
    return { ok: false, code: 'no_owner_message', detail: `ClawBot may only message you after you message it. ${RETRY_HINT}` }
  }
  const age = now - saved.lastInboundAt
  if (age >= rules.windowMs) {
    return {
      ok: false,
      code: 'window_closed',
      detail:
        `Your last message to ClawBot was ${describeAge(age)} ago; WeChat lets ClawBot reply only within ` +
        `${describeAge(rules.windowMs)} of it. ${RETRY_HINT}`,
    }
  }
  const used = (saved.sentSinceInbound ?? 0) + inFlight
  if (used >= rules.maxPerOwnerMessage) {
    return {
      ok: false,
      code: 'budget_spent',
      detail: `ClawBot has sent ${rules.maxPerOwnerMessage} messages since your last message, as many as WeChat allows. ${RETRY_HINT}`,
    }
  }
  return { ok: true }
}

function describeAge(ms: number): string {
  const hours = ms / 3_600_000
  if (hours >= 1) return `${Math.floor(hours * 10) / 10} hours`
  return `${Math.max(1, Math.round(ms / 60_000))} minutes`
}
