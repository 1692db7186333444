/** Feishu / Lark (CN) custom bot, optionally signed (FSSECRET). */
import { createHmac } from 'node:crypto'
import { defineChannel, joined } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

/** The reverse of DingTalk: the string-to-sign is the HMAC key and the message is empty. Not URL-encoded. */
export function feishuSign(secret: string, timestampSeconds: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64')
}

export default defineChannel({
  id: 'feishu',
  name: 'Feishu (Lark) bot',
  variables: {
    FSKEY: { required: true, secret: true, example: '7c2b1e0a-1234-4abc-9def-0123456789ab' },
    FSSECRET: { secret: true },
    FS_ORIGIN: { endpoint: true, example: 'https://open.feishu.cn' },
  },
  successRule: 'JSON StatusCode === 0 or code === 0 (old and new response shapes)',
  // Feishu caps the request body at 20 KB.
  limits: { maxBytes: 18_000 },
  async send({ title, content }, ctx) {
    const origin = originOf(ctx.env, 'FS_ORIGIN', 'https://open.feishu.cn')
    const url = `${origin}/open-apis/bot/v2/hook/${encodeURIComponent(ctx.env.FSKEY!)}`
    const json: Record<string, unknown> = { msg_type: 'text', content: { text: joined(title, content) } }
    if (ctx.env.FSSECRET) {
      const ts = String(Math.floor(Date.now() / 1000))
      json.timestamp = ts
      json.sign = feishuSign(ctx.env.FSSECRET, ts)
    }
    return deliver({ url, json }, ctx, jsonRule((b) => b.StatusCode === 0 || b.code === 0, (b) => `code ${b.code}: ${b.msg}`))
  },
})
