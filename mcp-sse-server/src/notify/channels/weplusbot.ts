/** 微加机器人 (WePlusBot). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

export default defineChannel({
  id: 'weplusbot',
  name: '微加机器人 (WePlusBot)',
  variables: {
    WE_PLUS_BOT_TOKEN: { required: true, secret: true, example: 'weplus-token-1234' },
    WE_PLUS_BOT_RECEIVER: {},
    WE_PLUS_BOT_VERSION: {},
    WE_PLUS_BOT_ORIGIN: { endpoint: true, example: 'https://www.weplusbot.com' },
  },
  successRule: 'JSON code === 200',
  async send({ title, content }, ctx) {
    // Long texts must go as html (the txt template is capped), where newlines need <br>.
    const long = content.length > 800
    const json = {
      token: ctx.env.WE_PLUS_BOT_TOKEN,
      title,
      content: long ? content.replace(/\r\n|\r|\n/g, '<br>') : content,
      template: long ? 'html' : 'txt',
      receiver: ctx.env.WE_PLUS_BOT_RECEIVER ?? '',
      version: ctx.env.WE_PLUS_BOT_VERSION || 'pro',
    }
    const url = `${originOf(ctx.env, 'WE_PLUS_BOT_ORIGIN', 'https://www.weplusbot.com')}/send`
    return deliver({ url, json }, ctx, jsonRule((b) => b.code === 200, (b) => `code ${b.code}: ${b.msg}`))
  },
})
