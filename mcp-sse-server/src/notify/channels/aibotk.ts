/** 智能微秘书 (aibotk): a WeChat bot that posts into a room or to a contact. */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

export default defineChannel({
  id: 'aibotk',
  name: '智能微秘书 (aibotk)',
  variables: {
    AIBOTK_KEY: { required: true, secret: true, example: 'a1b2c3d4e5f6' },
    AIBOTK_TYPE: { required: true, example: 'room' },
    AIBOTK_NAME: { required: true, example: '家庭群' },
    AIBOTK_ORIGIN: { endpoint: true, example: 'https://api-bot.aibotk.com' },
  },
  successRule: 'JSON code === 0',
  async send({ title, content }, ctx) {
    const type = ctx.env.AIBOTK_TYPE!.trim()
    if (type !== 'room' && type !== 'contact') return { ok: false, error: 'AIBOTK_TYPE must be "room" or "contact"' }
    const origin = originOf(ctx.env, 'AIBOTK_ORIGIN', 'https://api-bot.aibotk.com')
    const message = { type: 1, content: `${title}\n${content}` }
    const json =
      type === 'room'
        ? { apiKey: ctx.env.AIBOTK_KEY, roomName: ctx.env.AIBOTK_NAME, message }
        : { apiKey: ctx.env.AIBOTK_KEY, name: ctx.env.AIBOTK_NAME, message }
    return deliver({ url: `${origin}/openapi/v1/chat/${type}`, json }, ctx, jsonRule((b) => b.code === 0, (b) => b.error ?? b.msg))
  },
})
