/** iGot (push.hellyw.com). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

export default defineChannel({
  id: 'igot',
  name: 'iGot',
  variables: {
    IGOT_PUSH_KEY: { required: true, secret: true, example: 'abcdefghijkl0123456789ab' },
    IGOT_ORIGIN: { endpoint: true, example: 'https://push.hellyw.com' },
  },
  successRule: 'JSON ret === 0',
  async send({ title, content }, ctx) {
    const key = ctx.env.IGOT_PUSH_KEY!.trim()
    if (!/^[a-zA-Z0-9]{24}$/.test(key)) return { ok: false, error: 'IGOT_PUSH_KEY must be 24 letters or digits' }
    const url = `${originOf(ctx.env, 'IGOT_ORIGIN', 'https://push.hellyw.com')}/${key.toLowerCase()}`
    return deliver({ url, form: { title, content } }, ctx, jsonRule((b) => b.ret === 0, (b) => b.errMsg))
  },
})
