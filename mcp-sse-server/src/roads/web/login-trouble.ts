/**
 * What the web road's puppet errors mean for the user, in words: wechat4u reports WeChat's refusals only as
 * assertion texts ("1101 == 0"), and a machine without network only as a storm of connection errors. Each known
 * kind becomes a sentence that names the cause and says what to do, and logins that keep failing are spaced out
 * (LoginBackoff), never retried in a tight loop against WeChat's login servers.
 */

export type Trouble =
  /** WeChat ended a live web session (1100/1101/1102 and kin): the account is logged out. */
  | { kind: 'session_dropped'; code: string; reason: string; action: string }
  /** WeChat refuses this account on the web protocol (1203): retrying does not help. */
  | { kind: 'barred'; reason: string; action: string }
  /** WeChat's servers cannot be reached from here (offline, DNS, proxy, firewall). */
  | { kind: 'unreachable'; reason: string; action: string }
  /** The token gateway will not take this token: nothing changes until the configuration does. */
  | { kind: 'gateway_refused'; reason: string; action: string }

const ILINK_ADVICE =
  'To reach yourself from your agent without the web protocol, turn on the iLink road (ILINK_ENABLED=true, WeChat\'s official ClawBot); ' +
  'to reach friends and groups, a token gateway (WECHATY_PUPPET=wechaty-puppet-service) is the other way in. See docs/roads.md.'

/** wechatbot-webhook's list, plus 1100 (the same "logged out elsewhere" family): errors that mean the session is gone. */
const SESSION_DROPPED = /\b(1100|1101|1102) == 0\b|(-1) == 0\b|(400) != 400\b/
const BARRED = /\b1203\b|不能登录网页微信|cannot log ?in to WeChat for Web/i
const GATEWAY_TOKEN_FORM = /requires a SNI as prefix of the token/
const GATEWAY_UNAUTHENTICATED = /\b16 UNAUTHENTICATED\b|UNAUTHENTICATED: /
const UNREACHABLE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|timeout of \d+ms exceeded|Network Error|UNAVAILABLE: No connection established|14 UNAVAILABLE/

export function classify(errorText: string): Trouble | undefined {
  if (BARRED.test(errorText)) {
    return {
      kind: 'barred',
      reason: 'WeChat refuses this account on the web protocol (error 1203: "为了你的帐号安全，此微信号不能登录网页微信"). New and flagged accounts are barred from web login; scanning again will not change that.',
      action: ILINK_ADVICE,
    }
  }
  if (GATEWAY_TOKEN_FORM.test(errorText)) {
    return {
      kind: 'gateway_refused',
      reason: 'The gateway token has no provider prefix: wechaty-puppet-service takes tokens like puppet_<provider>_<id>, or insecure_<id> for a gateway without TLS.',
      action: 'Set WECHATY_PUPPET_SERVICE_TOKEN exactly as your provider gave it (for a gateway without TLS, also WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_CLIENT=true), then restart.',
    }
  }
  if (GATEWAY_UNAUTHENTICATED.test(errorText)) {
    return {
      kind: 'gateway_refused',
      reason: 'The gateway refused the token (UNAUTHENTICATED).',
      action: 'Check WECHATY_PUPPET_SERVICE_TOKEN (and WECHATY_PUPPET_SERVICE_ENDPOINT) with your provider, then restart.',
    }
  }
  const dropped = SESSION_DROPPED.exec(errorText)
  if (dropped) {
    const code = dropped[1] ?? dropped[2] ?? dropped[3]
    return {
      kind: 'session_dropped',
      code,
      reason: `WeChat ended the web session (error ${code}). Since 2025 WeChat logs many accounts out of the web protocol seconds after the scan, or after a day or two.`,
      action: `Scan the new QR code to try again. If it keeps happening, this account is being pushed off the web road. ${ILINK_ADVICE}`,
    }
  }
  if (UNREACHABLE.test(errorText)) {
    return {
      kind: 'unreachable',
      reason: `WeChat cannot be reached from this server (${errorText.slice(0, 160)}).`,
      action: 'Check this machine\'s network connection (and any proxy or firewall); the server keeps trying on its own, more slowly each time.',
    }
  }
  return undefined
}

export const BACKOFF_FIRST_MS = 2_000
export const BACKOFF_MAX_MS = 5 * 60_000

/**
 * How long to wait before the next login attempt. The first attempt after a login (or after an attempt that lasted,
 * such as a QR that simply expired after minutes on screen) goes at once; each quick failure after that doubles the
 * wait, up to BACKOFF_MAX_MS. An account WeChat refuses outright waits the longest from the start.
 */
export class LoginBackoff {
  private failures = 0
  private lastAttempt = -Infinity

  constructor(
    private readonly now: () => number = Date.now,
    /** An attempt that lasted this long was a real one (a QR shown and left), not a failure in a loop. */
    private readonly lastedMs = 2 * 60_000,
  ) {}

  /** Delay before the attempt about to start. */
  next(trouble?: Trouble['kind']): number {
    const now = this.now()
    if (now - this.lastAttempt >= this.lastedMs) this.failures = 0
    const delay = trouble === 'barred' ? BACKOFF_MAX_MS : this.failures === 0 ? 0 : Math.min(BACKOFF_FIRST_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS)
    this.failures++
    this.lastAttempt = now + delay
    return delay
  }

  /** Logged in: the next trouble starts from scratch. */
  reset(): void {
    this.failures = 0
    this.lastAttempt = -Infinity
  }
}
