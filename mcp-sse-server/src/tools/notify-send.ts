import * as z from 'zod'
import { reportOutputSchema } from '../notify/report.js'
import { defineTool } from './lib/define.js'
import { reportResult } from './lib/notify-report.js'
import { SEND_ANNOTATIONS } from './lib/shared.js'

export default defineTool({
  name: 'notify_send',
  title: 'Send a notification',
  description:
    'Pushes a notification (title + content) to every notification channel the user configured: Telegram, DingTalk, ' +
    'Feishu, WeCom, Bark, ServerChan, e-mail, ntfy, webhooks and more, WeChat itself when WECHAT_NOTIFY_TO is set, and ' +
    "the user's own WeChat through ClawBot (channel `ilink`, only within 24 hours of the user's last message to ClawBot). " +
    'Use it to tell the user something important (a task finished, needs their input, or failed) when they may not be ' +
    'watching. It does not message WeChat friends or groups: use sendMessageToFriend / sendMessageToRoom for that. ' +
    'For progress of a long run prefer notify_event. The result lists, per channel, whether it was accepted; it is an ' +
    'error only when every channel failed or none is configured. Do not resend to channels that already succeeded: ' +
    'use `channels` to retry only the failed ones.',
  annotations: SEND_ANNOTATIONS,
  inputSchema: {
    title: z.string().trim().min(1).max(200).describe('Short headline, shown as the notification title'),
    content: z.string().max(10_000).describe('The message body (plain text; newlines are kept)'),
    channels: z
      .array(z.string().trim().min(1).max(40))
      .min(1)
      .max(30)
      .optional()
      .describe('Only these channel ids (e.g. ["telegram","wechat"]); all configured channels when omitted'),
  },
  outputSchema: reportOutputSchema,
  async handler({ title, content, channels }, { notifier }) {
    return reportResult(await notifier.send({ title, content, channels }), notifier)
  },
})
