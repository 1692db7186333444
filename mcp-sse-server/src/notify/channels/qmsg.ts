/** Qmsg酱 (QQ private or group messages). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

export default defineChannel({
  id: 'qmsg',
  name: 'Qmsg酱',
  variables: {
    QMSG_KEY: { required: true, secret: true, example: 'qmsg-key-1234abcd' },
    QMSG_TYPE: { required: true, example: 'send' },
    QMSG_ORIGIN: { endpoint: true, example: 'https://qmsg.zendee.cn' },
  },
  successRule: 'JSON code === 0',
  async send({ title, content }, ctx) {
    const type = ctx.env.QMSG_TYPE!.trim()
    if (type !== 'send' && type !== 'group') return { ok: false, error: 'QMSG_TYPE must be "send" (private) or "group"' }
    const origin = originOf(ctx.env, 'QMSG_ORIGIN', 'https://qmsg.zendee.cn')
    const url = `${origin}/${type}/${encodeURIComponent(ctx.env.QMSG_KEY!.trim())}`
    // Kept from qinglong: the first "----" (the HITOKOTO signature separator) is shortened to "-".
    const msg = `${title}\n\n${content.replace('----', '-')}`
    return deliver({ url, form: { msg } }, ctx, jsonRule((b) => b.code === 0, (b) => b.reason))
  },
})
