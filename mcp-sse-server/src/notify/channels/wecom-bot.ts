/** WeCom (企业微信) group bot webhook. */
import { defineChannel, joined } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'wecom-bot',
  name: 'WeCom group bot',
  variables: {
    QYWX_KEY: { required: true, secret: true, example: '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa' },
    QYWX_ORIGIN: { endpoint: true, example: 'https://qyapi.weixin.qq.com' },
  },
  successRule: 'JSON errcode === 0',
  // WeCom rejects text longer than 2048 bytes.
  limits: { maxBytes: 2048 },
  async send({ title, content }, ctx) {
    const url = new URL(`${baseOf(ctx.env.QYWX_ORIGIN, 'https://qyapi.weixin.qq.com')}/cgi-bin/webhook/send`)
    url.searchParams.set('key', ctx.env.QYWX_KEY!)
    const json = { msgtype: 'text', text: { content: joined(title, content) } }
    return deliver({ url, json }, ctx, jsonRule((b) => b.errcode === 0, (b) => `errcode ${b.errcode}: ${b.errmsg}`))
  },
})
