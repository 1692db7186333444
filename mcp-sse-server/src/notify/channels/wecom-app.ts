/**
 * WeCom (企业微信) application message: get a token, then send. Long content is split into 900-character
 * chunks sent one after another, so they arrive in order.
 */
import { defineChannel, joined, requires } from '../channel.js'
import { baseOf, deliver, httpRequest, jsonRule, redact, snippet } from '../http.js'
import type { ChannelEnv } from '../types.js'

const CHUNK = 900
const MORE = '\n==More=='

/** QYWX_AM = corpid,corpsecret,touser,agentid[,type] */
function parseAm(env: ChannelEnv) {
  const [corpid, corpsecret, touser, agentid, type] = (env.QYWX_AM ?? '').split(',').map((s) => s.trim())
  return { corpid, corpsecret, touser: touser || '@all', agentid, type }
}

/** Chunks by code point (never splitting a surrogate pair); every chunk but the last says more follows. */
export function chunkContent(content: string): string[] {
  const chars = Array.from(content)
  if (chars.length <= CHUNK) return [content]
  const chunks: string[] = []
  for (let i = 0; i < chars.length; i += CHUNK) chunks.push(chars.slice(i, i + CHUNK).join(''))
  return chunks.map((c, i) => (i < chunks.length - 1 ? c + MORE : c))
}

function messageFor(type: string | undefined, title: string, content: string): Record<string, unknown> {
  if (!type || type === '1') return { msgtype: 'text', text: { content: joined(title, content) } }
  if (type === '0') {
    return {
      msgtype: 'textcard',
      textcard: { title, description: content, url: 'https://github.com/whyour/qinglong', btntxt: '更多' },
    }
  }
  // Any other 5th field is the media id of a thumbnail: an mpnews article.
  return {
    msgtype: 'mpnews',
    mpnews: {
      articles: [
        { title, thumb_media_id: type, author: '智能助手', content_source_url: '', content: content.replace(/\n/g, '<br/>'), digest: content },
      ],
    },
  }
}

export default defineChannel({
  id: 'wecom-app',
  name: 'WeCom application',
  variables: ['QYWX_AM', 'QYWX_ORIGIN'],
  successRule: 'gettoken then message/send, each JSON errcode === 0 (every chunk)',
  enabled: requires('QYWX_AM'),
  secrets: (env) => {
    const { corpid, corpsecret } = parseAm(env)
    return [corpid, corpsecret].filter((s): s is string => Boolean(s))
  },
  sequentialRequests: (message) => 1 + chunkContent(message.content).length,
  async send({ title, content }, ctx) {
    const am = parseAm(ctx.env)
    if (!am.corpid || !am.corpsecret || !am.agentid) {
      return { ok: false, error: 'QYWX_AM must be "corpid,corpsecret,touser,agentid[,type]"' }
    }
    const origin = baseOf(ctx.env.QYWX_ORIGIN, 'https://qyapi.weixin.qq.com')

    // The official API is GET with query parameters.
    const tokenUrl = new URL(`${origin}/cgi-bin/gettoken`)
    tokenUrl.searchParams.set('corpid', am.corpid)
    tokenUrl.searchParams.set('corpsecret', am.corpsecret)
    const got = await httpRequest({ url: tokenUrl, method: 'GET' }, ctx)
    if (!got.ok) return { ok: false, error: `gettoken: ${got.error}` }
    const tokenBody = got.reply.json as { errcode?: number; errmsg?: string; access_token?: unknown } | undefined
    if (typeof tokenBody?.access_token !== 'string' || !tokenBody.access_token) {
      const why = tokenBody?.errmsg ? `errcode ${tokenBody.errcode}: ${tokenBody.errmsg}` : snippet(got.reply.text)
      return { ok: false, status: got.reply.status, error: redact(`gettoken: HTTP ${got.reply.status}: ${why}`, ctx.secrets) }
    }
    const token = tokenBody.access_token
    // The token is a secret too, and only known now.
    const sendCtx = { ...ctx, secrets: [...ctx.secrets, token] }

    const chunks = chunkContent(content)
    let last = { ok: true, status: got.reply.status } as { ok: boolean; status?: number; error?: string }
    for (const [i, chunk] of chunks.entries()) {
      const url = new URL(`${origin}/cgi-bin/message/send`)
      url.searchParams.set('access_token', token)
      const json = { touser: am.touser, agentid: am.agentid, safe: '0', ...messageFor(am.type, title, chunk) }
      last = await deliver({ url, json }, sendCtx, jsonRule((b) => b.errcode === 0, (b) => `errcode ${b.errcode}: ${b.errmsg}`))
      if (!last.ok) return chunks.length > 1 ? { ...last, error: `chunk ${i + 1}/${chunks.length}: ${last.error}` } : last
    }
    return last
  },
})
