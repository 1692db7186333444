/**
 * WeCom (企业微信) application message: get a token, then send. Long content is split into 900-character
 * chunks sent one after another, so they arrive in order.
 */
import { defineChannel, joined } from '../channel.js'
import { baseOf, deliver, httpRequest, jsonRule, snippet } from '../http.js'
import type { ChannelEnv } from '../types.js'
import { redactSecrets } from '../../logger.js'

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

/**
 * access_token cache. WeCom asks callers to keep the token for its lifetime (expires_in, 7200 s) rather than call
 * gettoken for every message, which it rate-limits; a cached token also makes a notification one round trip instead
 * of two (bench/: notify_send to every channel was bounded by this channel's second request).
 */
const tokens = new Map<string, { value: string; expiresAt: number }>()
/** invalid credential, invalid access_token, access_token expired. */
const TOKEN_REJECTED = new Set([40001, 40014, 42001])
/** Renew this long before WeCom's stated expiry. */
const EXPIRY_MARGIN_S = 300

type Am = ReturnType<typeof parseAm>
type TokenResult =
  | { ok: true; value: string; cached: boolean; status?: number }
  | { ok: false; failure: { ok: false; status?: number; error: string } }

const tokenKey = (origin: string, am: Am) => `${origin}\n${am.corpid}\n${am.corpsecret}`

function forgetToken(origin: string, am: Am): void {
  tokens.delete(tokenKey(origin, am))
}

async function accessToken(origin: string, am: Am, ctx: Parameters<typeof httpRequest>[1]): Promise<TokenResult> {
  const key = tokenKey(origin, am)
  const cached = tokens.get(key)
  if (cached && cached.expiresAt > Date.now()) return { ok: true, value: cached.value, cached: true }
  // The official API is GET with query parameters.
  const tokenUrl = new URL(`${origin}/cgi-bin/gettoken`)
  tokenUrl.searchParams.set('corpid', am.corpid)
  tokenUrl.searchParams.set('corpsecret', am.corpsecret)
  const got = await httpRequest({ url: tokenUrl, method: 'GET' }, ctx)
  if (!got.ok) return { ok: false, failure: { ok: false, error: `gettoken: ${got.error}` } }
  const body = got.reply.json as { errcode?: number; errmsg?: string; access_token?: unknown; expires_in?: unknown } | undefined
  if (typeof body?.access_token !== 'string' || !body.access_token) {
    const why = body?.errmsg ? `errcode ${body.errcode}: ${body.errmsg}` : snippet(got.reply.text)
    return { ok: false, failure: { ok: false, status: got.reply.status, error: redactSecrets(`gettoken: HTTP ${got.reply.status}: ${why}`, ctx.secrets) } }
  }
  const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 7200
  tokens.set(key, { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeS - EXPIRY_MARGIN_S) * 1000 })
  return { ok: true, value: body.access_token, cached: false, status: got.reply.status }
}

export default defineChannel({
  id: 'wecom-app',
  name: 'WeCom application',
  variables: {
    QYWX_AM: { required: true, secret: true, example: 'ww1234567890,Secret1234567890,@all,1000002' },
    QYWX_ORIGIN: { endpoint: true, example: 'https://qyapi.weixin.qq.com' },
  },
  successRule: 'gettoken then message/send, each JSON errcode === 0 (every chunk)',
  secrets: (env) => {
    const { corpid, corpsecret } = parseAm(env)
    return [corpid, corpsecret].filter((s): s is string => Boolean(s))
  },
  sequentialRequests: (message) => 1 + chunkContent(message.content).length,
  async send({ title, content }, ctx) {
    const am = parseAm(ctx.env)
    if (!am.corpid || !am.corpsecret || !am.agentid) {
      // Says how many parts there are, never the parts: the value is secret, and the scrubber would blank any word
      // of this text that equals one (someone who pasted the format itself, "corpid,corpsecret").
      const parts = (ctx.env.QYWX_AM ?? '').split(',').filter((p) => p.trim()).length
      return {
        ok: false,
        error: `QYWX_AM needs 4 comma-separated parts in this order: the corp ID, the app secret, the recipients (@all for everyone) and the agent ID, optionally a 5th for the message type; it has ${parts} filled in. See docs/channels.md (wecom-app)`,
      }
    }
    const origin = baseOf(ctx.env.QYWX_ORIGIN, 'https://qyapi.weixin.qq.com')

    let token = await accessToken(origin, am, ctx)
    if (!token.ok) return token.failure
    // The token is a secret too, and only known now.
    let sendCtx = { ...ctx, secrets: [...ctx.secrets, token.value] }

    const chunks = chunkContent(content)
    let last = { ok: true, status: token.status } as { ok: boolean; status?: number; error?: string }
    for (const [i, chunk] of chunks.entries()) {
      const json = { touser: am.touser, agentid: am.agentid, safe: '0', ...messageFor(am.type, title, chunk) }
      const sendChunk = async (accessToken: string) => {
        const url = new URL(`${origin}/cgi-bin/message/send`)
        url.searchParams.set('access_token', accessToken)
        const seen: { errcode?: unknown } = {}
        const accept = (b: Record<string, unknown>) => {
          seen.errcode = b.errcode
          return b.errcode === 0
        }
        const outcome = await deliver({ url, json }, sendCtx, jsonRule(accept, (b) => `errcode ${b.errcode}: ${b.errmsg}`))
        return { outcome, errcode: seen.errcode }
      }
      let sent = await sendChunk(token.value)
      // A cached token WeCom no longer accepts: forget it, get a fresh one, send this chunk again (once).
      if (!sent.outcome.ok && token.cached && TOKEN_REJECTED.has(sent.errcode as number)) {
        forgetToken(origin, am)
        token = await accessToken(origin, am, ctx)
        if (!token.ok) return token.failure
        sendCtx = { ...ctx, secrets: [...ctx.secrets, token.value] }
        sent = await sendChunk(token.value)
      }
      last = sent.outcome
      if (!last.ok) return chunks.length > 1 ? { ...last, error: `chunk ${i + 1}/${chunks.length}: ${last.error}` } : last
    }
    return last
  },
})
