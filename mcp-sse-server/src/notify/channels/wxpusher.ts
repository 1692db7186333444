/**
 * WxPusher: the standard mode (app token + topic ids and/or uids) or the SPT "simple push" mode.
 * When both are configured the standard mode is used.
 */
import { defineChannel } from '../channel.js'
import { deliver, escapeHtml, jsonRule, originOf } from '../http.js'
import type { ChannelEnv } from '../types.js'

const list = (value: string | undefined, sep: RegExp) =>
  (value ?? '').split(sep).map((s) => s.trim()).filter(Boolean)

function standardMode(env: ChannelEnv): boolean {
  return Boolean(env.WXPUSHER_APP_TOKEN && (list(env.WXPUSHER_TOPIC_IDS, /;/).length || list(env.WXPUSHER_UIDS, /;/).length))
}

export default defineChannel({
  id: 'wxpusher',
  name: 'WxPusher',
  variables: {
    WXPUSHER_APP_TOKEN: { secret: true, example: 'AT_0123456789abcdef' },
    WXPUSHER_TOPIC_IDS: { example: '123' },
    WXPUSHER_UIDS: { example: 'UID_0123456789abcdef' },
    WXPUSHER_SPT_LIST: { secret: true, example: 'SPT_0123456789abcdef' },
    WXPUSHER_ORIGIN: { endpoint: true, example: 'https://wxpusher.zjiecode.com' },
  },
  successRule: 'JSON code === 1000',
  alternatives: [['WXPUSHER_APP_TOKEN', 'WXPUSHER_TOPIC_IDS'], ['WXPUSHER_APP_TOKEN', 'WXPUSHER_UIDS'], ['WXPUSHER_SPT_LIST']],
  async send({ title, content }, ctx) {
    const env = ctx.env
    const origin = originOf(env, 'WXPUSHER_ORIGIN', 'https://wxpusher.zjiecode.com')
    // contentType 2 = HTML: the text is escaped so that "<" in a message is shown, not parsed.
    const html = `<h1>${escapeHtml(title)}</h1><br/><div style='white-space: pre-wrap;'>${escapeHtml(content)}</div>`
    const judge = jsonRule((b) => b.code === 1000, (b) => `code ${b.code}: ${b.msg}`)
    if (standardMode(env)) {
      const topicIds = list(env.WXPUSHER_TOPIC_IDS, /;/).map(Number)
      if (topicIds.some((n) => !Number.isInteger(n))) return { ok: false, error: 'WXPUSHER_TOPIC_IDS must be ";"-separated integers' }
      const json = {
        appToken: env.WXPUSHER_APP_TOKEN,
        content: html,
        summary: title,
        contentType: 2,
        topicIds,
        uids: list(env.WXPUSHER_UIDS, /;/),
        verifyPayType: 0,
      }
      return deliver({ url: `${origin}/api/send/message`, json }, ctx, judge)
    }
    const spts = list(env.WXPUSHER_SPT_LIST, /,/)
    if (!spts.length) return { ok: false, error: 'WXPUSHER_TOPIC_IDS, WXPUSHER_UIDS and WXPUSHER_SPT_LIST hold no id (";"-separated ids, ","-separated SPTs)' }
    if (spts.length > 10) return { ok: false, error: 'WXPUSHER_SPT_LIST holds at most 10 SPTs' }
    const json = { content: html, summary: title, contentType: 2, ...(spts.length === 1 ? { spt: spts[0] } : { sptList: spts }) }
    return deliver({ url: `${origin}/api/send/message/simple-push`, json }, ctx, judge)
  },
})
