/** DingTalk group bot, signed (DD_BOT_SECRET, "加签") or unsigned (keyword / IP security settings). */
import { createHmac } from 'node:crypto'
import { defineChannel, joined } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

/** base64(HMAC-SHA256(key = secret, msg = ts + "\n" + secret)); the caller URL-encodes it (URLSearchParams does). */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64')
}

export default defineChannel({
  id: 'dingtalk',
  name: 'DingTalk bot',
  variables: {
    DD_BOT_TOKEN: { required: true, secret: true, example: '1f2e3d4c5b6a79881f2e3d4c5b6a7988' },
    DD_BOT_SECRET: { secret: true },
    DD_ORIGIN: { endpoint: true, example: 'https://oapi.dingtalk.com' },
  },
  // A bad signature is HTTP 200 with errcode 310000: the status alone says nothing.
  successRule: 'JSON errcode === 0',
  limits: { maxBytes: 20_000 },
  async send({ title, content }, ctx) {
    const url = new URL('/robot/send', originOf(ctx.env, 'DD_ORIGIN', 'https://oapi.dingtalk.com'))
    url.searchParams.set('access_token', ctx.env.DD_BOT_TOKEN!)
    const secret = ctx.env.DD_BOT_SECRET
    if (secret) {
      const ts = Date.now()
      url.searchParams.set('timestamp', String(ts))
      url.searchParams.set('sign', dingtalkSign(secret, ts))
    }
    const json = { msgtype: 'text', text: { content: joined(title, content) } }
    return deliver({ url, json }, ctx, jsonRule((b) => b.errcode === 0, (b) => `errcode ${b.errcode}: ${b.errmsg}`))
  },
})
