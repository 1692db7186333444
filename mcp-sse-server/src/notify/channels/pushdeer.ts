/** PushDeer. DEER_URL is the full endpoint (self-hosted servers). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'pushdeer',
  name: 'PushDeer',
  variables: {
    DEER_KEY: { required: true, secret: true, example: 'PDU1234TxxxxXXXX' },
    DEER_URL: { secret: true, endpoint: true, example: 'https://api2.pushdeer.com/message/push' },
  },
  successRule: 'JSON content.result is a non-empty array',
  async send({ title, content }, ctx) {
    const url = ctx.env.DEER_URL?.trim() || 'https://api2.pushdeer.com/message/push'
    const form = { pushkey: ctx.env.DEER_KEY!, text: title, desp: content, type: 'markdown' }
    return deliver(
      { url, form },
      ctx,
      jsonRule(
        (b) => {
          const result = (b.content as { result?: unknown } | undefined)?.result
          return Array.isArray(result) && result.length > 0
        },
        (b) => (typeof b.error === 'string' ? b.error : undefined),
      ),
    )
  },
})
