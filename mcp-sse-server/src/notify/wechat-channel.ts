/**
 * WeChat itself as a notification channel (`WECHAT_NOTIFY_TO`): `filehelper` (the user's own File Transfer) or a
 * friend's/group's exact name. It goes through the sender like any send: the send rule, allow-list, pacing and audit.
 */
import type { Config } from '../config.js'
import type { Sender, SendResult } from '../wechat/sender.js'
import { refusalText } from '../wechat/send-text.js'
import { SAY_TIMEOUT_MS } from '../roads/web/web-road.js'
import { FILEHELPER_ID, isFileTransferName } from '../wechat/directory.js'
import type { ExtraChannel } from './types.js'

export function wechatChannel(sender: Sender, config: Config): ExtraChannel | undefined {
  const to = config.notify.wechatTo
  if (!to) return undefined
  return {
    id: 'wechat',
    timeoutMs: queueDeadlineMs(config),
    // When the deadline passes while the message still waits for its turn, the signal takes it out of the queue:
    // a notification reported as failed never goes out later.
    async send(message, signal) {
      const text = `${message.title}\n\n${message.content}`.slice(0, config.send.maxMessageChars)
      const request = { tool: 'notify', text }
      if (isFileTransferName(to)) {
        return outcome(await sender.send({ ...request, kind: 'contact', target: { id: FILEHELPER_ID } }, signal))
      }
      // A name is tried as a friend first, then as a group; either way only an exact, unique match is used.
      const friend = await sender.resolve('contact', { name: to })
      const kind = friend.ok || friend.code !== 'not_found' ? 'contact' : 'room'
      return outcome(await sender.send({ ...request, kind, target: { name: to } }, signal))
    },
  }
}

/**
 * Paced sends wait for their turn behind others, which is not the channel hanging: allow for a full queue, both at
 * the minimum spacing (with its jitter) and at the per-minute cap, and then for the send itself, which WeChat must
 * confirm within SAY_TIMEOUT_MS. A send that started is never cut off by this deadline and reported failed while
 * it goes out.
 */
export function queueDeadlineMs({ send }: Config): number {
  const bySpacing = send.queueMax * send.minIntervalMs * 1.5
  const byRate = Math.ceil(send.queueMax / send.maxPerMinute) * 60_000
  return Math.max(bySpacing, byRate) + SAY_TIMEOUT_MS + 5_000
}

/** A refusal reads as the send tools would say it (and as the audit line records it). */
function outcome(result: SendResult): { ok: boolean; error?: string } {
  return result.ok ? { ok: true } : { ok: false, error: refusalText(result) }
}
