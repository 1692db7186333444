/** OpeniLink hub bot. */
import { defineChannel, joined } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'openilink',
  name: 'OpeniLink',
  variables: {
    OPENILINK_APP_TOKEN: { required: true, secret: true, example: 'oil-app-token-1234' },
    OPENILINK_HUB_URL: { secret: true, endpoint: true, example: 'https://hub.openilink.com' },
    OPENILINK_CONTEXT_TOKEN: { secret: true },
  },
  successRule: 'JSON ok === true',
  async send({ title, content }, ctx) {
    const url = `${baseOf(ctx.env.OPENILINK_HUB_URL, 'https://hub.openilink.com')}/bot/v1/message/send`
    const json = {
      type: 'text',
      content: joined(title, content),
      ...(ctx.env.OPENILINK_CONTEXT_TOKEN ? { context_token: ctx.env.OPENILINK_CONTEXT_TOKEN } : {}),
    }
    const headers = { Authorization: `Bearer ${ctx.env.OPENILINK_APP_TOKEN}` }
    return deliver({ url, json, headers }, ctx, jsonRule((b) => b.ok === true, (b) => b.error))
  },
})
