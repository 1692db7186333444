/**
 * ClawBot (the iLink road) as a notification channel: to the account owner in WeChat, under WeChat's reply window
 * and budget. Outside them the channel fails at once with what to do; it never waits for a window to open.
 */
import type { IlinkOutbox } from '../roads/ilink/outbox.js'
import type { ExtraChannel } from './types.js'
import { refusalText } from '../wechat/send-text.js'

export function ilinkChannel(outbox: Pick<IlinkOutbox, 'send'>, options: { maxChars: number; timeoutMs: number }): ExtraChannel {
  return {
    id: 'ilink',
    timeoutMs: options.timeoutMs,
    async send(message, signal) {
      const text = `${message.title}\n\n${message.content}`.slice(0, options.maxChars)
      const result = await outbox.send('notify', { kind: 'text', text }, signal)
      // A refusal reads as the send tools would say it (and as the audit line records it).
      return result.ok ? { ok: true } : { ok: false, error: refusalText(result) }
    },
  }
}
