/** Synology Chat incoming webhook: CHAT_URL is the webhook URL up to "token=", CHAT_TOKEN the rest. */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'synology-chat',
  name: 'Synology Chat',
  variables: {
    CHAT_URL: {
      required: true,
      secret: true,
      endpoint: true,
      example: 'https://nas.example.com:5001/webapi/entry.cgi?api=SYNO.Chat.External&method=incoming&version=2&token=',
    },
    CHAT_TOKEN: { required: true, secret: true, example: 'AbCdEf0123456789' },
  },
  successRule: 'JSON success === true',
  async send({ title, content }, ctx) {
    const url = `${ctx.env.CHAT_URL!.trim()}${encodeURIComponent(ctx.env.CHAT_TOKEN!.trim())}`
    // payload is JSON inside a form field: both layers are built by serializers.
    const form = { payload: JSON.stringify({ text: `${title}\n${content}` }) }
    return deliver({ url, form }, ctx, jsonRule((b) => b.success === true, (b) => JSON.stringify(b.error ?? b)))
  },
})
