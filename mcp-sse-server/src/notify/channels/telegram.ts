/** Telegram bot (sendMessage), optionally through TG_API_HOST (a relay) and/or an HTTP proxy. */
import { defineChannel, joined } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'
import type { ChannelEnv } from '../types.js'

const HINTS: Record<number, string> = {
  400: ' (check TG_USER_ID, and that you have sent the bot a message first)',
  401: ' (TG_BOT_TOKEN is wrong)',
}

/** `http://[auth@]host:port`, only when host and port are both set; auth is not added if host already has one. */
export function telegramProxy(env: ChannelEnv): string | undefined {
  const host = env.TG_PROXY_HOST?.trim()
  const port = env.TG_PROXY_PORT?.trim()
  if (!host || !port) return undefined
  const auth = env.TG_PROXY_AUTH && !host.includes('@') ? `${env.TG_PROXY_AUTH}@` : ''
  return `http://${auth}${host}:${port}`
}

export default defineChannel({
  id: 'telegram',
  name: 'Telegram bot',
  variables: {
    TG_BOT_TOKEN: { required: true, secret: true, example: '123456:ABC-DEF1234ghIkl' },
    TG_USER_ID: { required: true, example: '987654321' },
    TG_API_HOST: { endpoint: true, example: 'https://api.telegram.org' },
    TG_PROXY_HOST: {},
    TG_PROXY_PORT: {},
    TG_PROXY_AUTH: { secret: true },
  },
  successRule: 'JSON ok === true',
  limits: { maxChars: 4096 },
  secrets: (env) => (env.TG_PROXY_AUTH ? env.TG_PROXY_AUTH.split(':').filter((s) => s.length >= 4) : []),
  async send({ title, content }, ctx) {
    const base = baseOf(ctx.env.TG_API_HOST, 'https://api.telegram.org')
    const url = `${base}/bot${ctx.env.TG_BOT_TOKEN}/sendMessage`
    const json = { chat_id: String(ctx.env.TG_USER_ID), text: joined(title, content), disable_web_page_preview: true }
    return deliver(
      { url, json, proxy: telegramProxy(ctx.env) },
      ctx,
      jsonRule(
        (b) => b.ok === true,
        (b) => (b.description ? `${b.error_code ?? ''} ${b.description}${HINTS[Number(b.error_code)] ?? ''}`.trim() : undefined),
      ),
    )
  },
})
