/** ntfy (ntfy.sh or self-hosted), with a bearer token or basic auth. */
import { defineChannel } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'
import type { ChannelEnv } from '../types.js'

/** RFC 2047 encoded-word: HTTP header values cannot carry raw UTF-8 reliably. */
export function ntfyEncodedWord(text: string): string {
  return `=?utf-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`
}

function basicAuth(env: ChannelEnv): string | undefined {
  if (!env.NTFY_USERNAME || !env.NTFY_PASSWORD) return undefined
  return Buffer.from(`${env.NTFY_USERNAME}:${env.NTFY_PASSWORD}`).toString('base64')
}

export default defineChannel({
  id: 'ntfy',
  name: 'ntfy',
  variables: {
    // On ntfy.sh the topic is the password: anyone who knows it can read and publish.
    NTFY_TOPIC: { required: true, secret: true, example: 'my-builds-7f3a' },
    NTFY_URL: { secret: true, endpoint: true, example: 'https://ntfy.sh' },
    NTFY_PRIORITY: {},
    NTFY_TOKEN: { secret: true },
    NTFY_USERNAME: {},
    NTFY_PASSWORD: { secret: true },
    NTFY_ACTIONS: {},
  },
  successRule: 'JSON id is set (the published message)',
  // Larger bodies become attachments on ntfy.sh.
  limits: { maxBytes: 4096 },
  // The Authorization header the credentials become.
  secrets: (env) => [basicAuth(env)].filter((s): s is string => Boolean(s)),
  async send({ title, content }, ctx) {
    const env = ctx.env
    const url = `${baseOf(env.NTFY_URL, 'https://ntfy.sh')}/${encodeURIComponent(env.NTFY_TOPIC!.trim())}`
    const headers: Record<string, string> = {
      Title: ntfyEncodedWord(title),
      Priority: env.NTFY_PRIORITY?.trim() || '3',
      Icon: 'https://qn.whyour.cn/logo.png',
    }
    if (env.NTFY_ACTIONS) headers.Actions = ntfyEncodedWord(env.NTFY_ACTIONS)
    const basic = basicAuth(env)
    if (env.NTFY_TOKEN) headers.Authorization = `Bearer ${env.NTFY_TOKEN}`
    else if (basic) headers.Authorization = `Basic ${basic}`
    return deliver({ url, text: content, headers }, ctx, jsonRule((b) => Boolean(b.id), (b) => `${b.code ?? ''} ${b.error ?? ''}`.trim()))
  },
})
