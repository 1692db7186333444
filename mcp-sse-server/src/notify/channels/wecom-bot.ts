/** WeCom (企业微信) group bot webhook. */
import { defineChannel, joined, requires } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'wecom-bot',
  name: 'WeCom group bot',
  variables: ['QYWX_KEY', 'QYWX_ORIGIN'],
  successRule: 'JSON errcode === 0',
  // WeCom rejects text longer than 2048 bytes.
  limits: { maxBytes: 2048 },
  enabled: requires('QYWX_KEY'),
  async send({ title, content }, ctx) {
    const url = new URL(`${baseOf(ctx.env.QYWX_ORIGIN, 'https://qyapi.weixin.qq.com')}/cgi-bin/webhook/send`)
    url.searchParams.set('key', ctx.env.QYWX_KEY!)
    const json = { msgtype: 'text', text: { content: joined(title, content) } }
    return deliver({ url, json }, ctx, jsonRule((b) => b.errcode === 0, (b) => `errcode ${b.errcode}: ${b.errmsg}`))
  },
})
