/** PushPlus (推送加). code 200 only means "accepted"; delivery is asynchronous on their side. */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

export default defineChannel({
  id: 'pushplus',
  name: 'PushPlus',
  variables: {
    PUSH_PLUS_TOKEN: { required: true, secret: true, example: '0123456789abcdef0123456789abcdef' },
    PUSH_PLUS_USER: {},
    PUSH_PLUS_TEMPLATE: {},
    PUSH_PLUS_CHANNEL: {},
    PUSH_PLUS_WEBHOOK: {},
    PUSH_PLUS_CALLBACKURL: {},
    PUSH_PLUS_TO: {},
    PUSH_PLUS_ORIGIN: { endpoint: true, example: 'https://www.pushplus.plus' },
  },
  successRule: 'JSON code === 200',
  async send({ title, content }, ctx) {
    const env = ctx.env
    const template = env.PUSH_PLUS_TEMPLATE || 'html'
    const json = {
      token: env.PUSH_PLUS_TOKEN,
      title,
      // In the html template a newline is not a line break.
      content: template === 'html' ? content.replace(/\r\n|\r|\n/g, '<br>') : content,
      topic: env.PUSH_PLUS_USER ?? '',
      template,
      channel: env.PUSH_PLUS_CHANNEL || 'wechat',
      webhook: env.PUSH_PLUS_WEBHOOK ?? '',
      callbackUrl: env.PUSH_PLUS_CALLBACKURL ?? '',
      to: env.PUSH_PLUS_TO ?? '',
    }
    const url = `${originOf(env, 'PUSH_PLUS_ORIGIN', 'https://www.pushplus.plus')}/send`
    return deliver({ url, json }, ctx, jsonRule((b) => b.code === 200, (b) => `code ${b.code}: ${b.msg}`))
  },
})
