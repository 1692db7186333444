/** OpeniLink hub bot. */
import { defineChannel, joined, requires } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'openilink',
  name: 'OpeniLink',
  variables: ['OPENILINK_APP_TOKEN', 'OPENILINK_HUB_URL', 'OPENILINK_CONTEXT_TOKEN'],
  successRule: 'JSON ok === true',
  enabled: requires('OPENILINK_APP_TOKEN'),
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
