/** Bark (iOS push). BARK_PUSH is the device key, or a full URL (self-hosted server or relay). */
import { defineChannel } from '../channel.js'
import { deliver, jsonRule } from '../http.js'

const OPTIONAL = { icon: 'BARK_ICON', sound: 'BARK_SOUND', group: 'BARK_GROUP', level: 'BARK_LEVEL', isArchive: 'BARK_ARCHIVE', url: 'BARK_URL' } as const

function deviceKeys(push: string | undefined): string[] {
  const value = push?.trim() ?? ''
  if (!/^https?:\/\//i.test(value)) return [value]
  try {
    return new URL(value).pathname.split('/').filter((part) => part.length >= 8)
  } catch {
    return []
  }
}

export default defineChannel({
  id: 'bark',
  name: 'Bark',
  variables: {
    BARK_PUSH: { required: true, secret: true, endpoint: true, example: 'https://api.day.app/AbCdEfG123' },
    BARK_ICON: {},
    BARK_SOUND: {},
    BARK_GROUP: {},
    BARK_LEVEL: {},
    BARK_ARCHIVE: {},
    // The link opened on tap may carry a key of its own.
    BARK_URL: { secret: true },
  },
  successRule: 'JSON code === 200',
  // APNs payloads are capped at 4 KB.
  limits: { maxBytes: 3000 },
  // As a full URL, the device key is its path: the key alone is redacted too.
  secrets: (env) => deviceKeys(env.BARK_PUSH),
  async send({ title, content }, ctx) {
    const push = ctx.env.BARK_PUSH!.trim()
    const url = /^https?:\/\//i.test(push) ? push : `https://api.day.app/${encodeURIComponent(push)}`
    const body: Record<string, string> = { title, body: content }
    // Only the options that are set: an empty sound or level is not "no preference" to Bark.
    for (const [key, name] of Object.entries(OPTIONAL)) if (ctx.env[name]) body[key] = ctx.env[name]!
    return deliver({ url, json: body }, ctx, jsonRule((b) => b.code === 200, (b) => b.message))
  },
})
