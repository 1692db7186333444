/** Bark (iOS push). BARK_PUSH is the device key, or a full URL (self-hosted server or relay). */
import { defineChannel, requires } from '../channel.js'
import { deliver, jsonRule } from '../http.js'

const OPTIONAL = { icon: 'BARK_ICON', sound: 'BARK_SOUND', group: 'BARK_GROUP', level: 'BARK_LEVEL', isArchive: 'BARK_ARCHIVE', url: 'BARK_URL' } as const

export default defineChannel({
  id: 'bark',
  name: 'Bark',
  variables: ['BARK_PUSH', ...Object.values(OPTIONAL)],
  successRule: 'JSON code === 200',
  // APNs payloads are capped at 4 KB.
  limits: { maxBytes: 3000 },
  enabled: requires('BARK_PUSH'),
  async send({ title, content }, ctx) {
    const push = ctx.env.BARK_PUSH!.trim()
    const url = /^https?:\/\//i.test(push) ? push : `https://api.day.app/${encodeURIComponent(push)}`
    const body: Record<string, string> = { title, body: content }
    // Only the options that are set: an empty sound or level is not "no preference" to Bark.
    for (const [key, name] of Object.entries(OPTIONAL)) if (ctx.env[name]) body[key] = ctx.env[name]!
    return deliver({ url, json: body }, ctx, jsonRule((b) => b.code === 200, (b) => b.message))
  },
})
