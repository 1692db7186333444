/** go-cqhttp / any OneBot v11 HTTP API (send_private_msg or send_group_msg). */
import { defineChannel, joined } from '../channel.js'
import { deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'gocqhttp',
  name: 'go-cqhttp (OneBot v11)',
  variables: {
    GOBOT_URL: { required: true, secret: true, endpoint: true, example: 'http://127.0.0.1:5700/send_private_msg' },
    GOBOT_QQ: { secret: true },
    GOBOT_TOKEN: { secret: true },
  },
  successRule: 'JSON retcode === 0',
  async send({ title, content }, ctx) {
    const url = new URL(ctx.env.GOBOT_URL!.trim())
    if (ctx.env.GOBOT_TOKEN) url.searchParams.set('access_token', ctx.env.GOBOT_TOKEN)
    // GOBOT_QQ is "user_id=123" or "group_id=456": query parameters, as qinglong sends them.
    for (const [k, v] of new URLSearchParams(ctx.env.GOBOT_QQ ?? '')) url.searchParams.set(k, v)
    return deliver(
      { url, json: { message: joined(title, content, '\n') } },
      ctx,
      jsonRule((b) => b.retcode === 0, (b) => (b.retcode === undefined ? undefined : `retcode ${b.retcode}: ${b.wording ?? b.msg ?? ''}`)),
    )
  },
})
