/** PushMe (push.i-i.me). PUSHME_URL is the full endpoint of a self-hosted server (qinglong's JS ignored it). */
import { defineChannel } from '../channel.js'
import { deliver, snippet } from '../http.js'

export default defineChannel({
  id: 'pushme',
  name: 'PushMe',
  variables: {
    PUSHME_KEY: { required: true, secret: true, example: 'pushme-key-1234' },
    PUSHME_URL: { secret: true, endpoint: true, example: 'https://push.i-i.me' },
  },
  successRule: 'the response body is exactly "success"',
  async send({ title, content }, ctx) {
    const url = ctx.env.PUSHME_URL?.trim() || 'https://push.i-i.me'
    const json = { push_key: ctx.env.PUSHME_KEY, title, content }
    return deliver({ url, json }, ctx, (reply) => (reply.text.trim() === 'success' ? undefined : snippet(reply.text) || 'empty response'))
  },
})
