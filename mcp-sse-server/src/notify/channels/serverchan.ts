/** ServerChan (Server酱 Turbo, and Server酱³ for `sctp{num}t…` keys). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule, originOf } from '../http.js'

/** The endpoint for a key: Server酱³ keys carry their numeric uid. */
export function serverchanUrl(key: string, originOverride: string | undefined): string {
  const turbo = /^sctp(\d+)t/i.exec(key)
  const fallback = turbo ? `https://${turbo[1]}.push.ft07.com` : 'https://sctapi.ftqq.com'
  const origin = originOf({ SERVERCHAN_ORIGIN: originOverride }, 'SERVERCHAN_ORIGIN', fallback)
  const file = `${encodeURIComponent(key)}.send`
  return turbo ? `${origin}/send/${file}` : `${origin}/${file}`
}

export default defineChannel({
  id: 'serverchan',
  name: 'ServerChan',
  variables: {
    PUSH_KEY: { required: true, secret: true, example: 'SCT123456TAbCdEf' },
    SERVERCHAN_ORIGIN: { endpoint: true, example: 'https://sctapi.ftqq.com' },
  },
  successRule: 'JSON errno === 0 or code === 0 (errno 1024 = same content within a minute)',
  async send({ title, content }, ctx) {
    const url = serverchanUrl(ctx.env.PUSH_KEY!.trim(), ctx.env.SERVERCHAN_ORIGIN)
    // Markdown: a single newline is not a line break, so every line break is doubled.
    const desp = content.replace(/\r\n|\r|\n/g, '\n\n')
    return deliver(
      { url, form: { text: title, desp } },
      ctx,
      jsonRule((b) => b.errno === 0 || b.code === 0, (b) => `${b.errno ?? b.code}: ${b.errmsg ?? b.message ?? ''}`),
    )
  },
})
