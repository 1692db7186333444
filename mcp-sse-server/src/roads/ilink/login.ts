/**
 * The QR login: get a QR, long-poll its state (wait → scaned → confirmed), a new QR whenever one expires. Trouble
 * reaching WeChat is retried with backoff, and said, never turned into a tight loop or a silent hang.
 */
import { IlinkNetworkError, type IlinkClient } from './client.js'
import type { Backoff } from './backoff.js'
import type { IlinkLogin } from './store.js'

export interface QrLoginHooks {
  /** A QR code to show, first or replacing one that expired; `note` says why a new one came, when not obvious. */
  onQr(content: string, note?: string): void
  onScanned(): void
  /** WeChat could not be reached; the next try is in `retryInMs`. */
  onTrouble(detail: string, retryInMs: number): void
  sleep(ms: number, signal: AbortSignal): Promise<void>
  backoff: Backoff
}

/** A pause between status polls, for a server that answers at once instead of holding the request. */
const POLL_GAP_MS = 1_000

const NEW_QR_NOTES: Partial<Record<string, string>> = {
  need_verifycode: 'WeChat asked for a pairing code, which wechat-mcp cannot take; scan this new QR code instead.',
  verify_code_blocked: 'WeChat blocked the pairing for now; scan this new QR code (wait a while if it happens again).',
  binded_redirect:
    'That ClawBot is already bound to another program (or to this one before its saved login was deleted). ' +
    'Remove the old binding in WeChat, then scan this new QR code.',
}

/** Resolves with the login once confirmed on the phone; rejects only when `signal` aborts. */
export async function qrLogin(client: IlinkClient, hooks: QrLoginHooks, signal: AbortSignal): Promise<IlinkLogin> {
  let note: string | undefined
  for (;;) {
    const qr = await attempt(() => client.getQrCode(signal), hooks, signal)
    hooks.onQr(qr.content, note)
    let pollBase = client.baseUrl
    for (;;) {
      const answer = await attempt(() => client.getQrStatus(qr.qrcode, pollBase, signal), hooks, signal)
      const status = answer.status ?? 'wait'
      if (status === 'confirmed') {
        const login = toLogin(answer, client.baseUrl)
        if (login) return login
        note = 'WeChat confirmed the login without the bot credentials; scan this new QR code.'
        break
      }
      if (status === 'expired' || NEW_QR_NOTES[status]) {
        note = NEW_QR_NOTES[status]
        break
      }
      if (status === 'scaned_but_redirect' && answer.redirect_host && /^[a-z0-9.-]+(:\d+)?$/i.test(answer.redirect_host)) {
        // Keep the configured scheme: WeChat names only the host of the data centre that holds this login.
        pollBase = `${new URL(pollBase).protocol}//${answer.redirect_host}`
      }
      if (status === 'scaned' || status === 'scaned_but_redirect') hooks.onScanned()
      await hooks.sleep(POLL_GAP_MS, signal)
      throwIfAborted(signal)
    }
  }
}

/** Runs one request until it gets an answer: network trouble and refusals are retried with backoff. */
async function attempt<T>(request: () => Promise<T>, hooks: QrLoginHooks, signal: AbortSignal): Promise<T> {
  for (;;) {
    throwIfAborted(signal)
    try {
      const result = await request()
      hooks.backoff.reset()
      return result
    } catch (err) {
      throwIfAborted(signal)
      const wait = hooks.backoff.next()
      hooks.onTrouble(err instanceof Error ? err.message : String(err), wait)
      await hooks.sleep(wait, signal)
    }
  }
}

function toLogin(answer: { bot_token?: string; ilink_bot_id?: string; ilink_user_id?: string; baseurl?: string }, fallbackBase: string): IlinkLogin | undefined {
  const { bot_token: botToken, ilink_bot_id: botId, ilink_user_id: ownerId } = answer
  if (!botToken || !botId || !ownerId) return undefined
  const baseUrl = answer.baseurl && /^https?:\/\//.test(answer.baseurl) ? answer.baseurl : fallbackBase
  return { botToken, botId, ownerId, baseUrl }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new IlinkNetworkError('login', 'stopped')
}
