/** Gotify (self-hosted). */
import { defineChannel } from '../channel.js'
import { baseOf, deliver, jsonRule } from '../http.js'

export default defineChannel({
  id: 'gotify',
  name: 'Gotify',
  variables: {
    GOTIFY_URL: { required: true, secret: true, endpoint: true, example: 'https://gotify.example.com' },
    GOTIFY_TOKEN: { required: true, secret: true, example: 'AbCdEf.123' },
    GOTIFY_PRIORITY: {},
  },
  successRule: 'JSON id is set (the created message)',
  async send({ title, content }, ctx) {
    const url = new URL(`${baseOf(ctx.env.GOTIFY_URL, '')}/message`)
    url.searchParams.set('token', ctx.env.GOTIFY_TOKEN!)
    const form = { title, message: content, priority: ctx.env.GOTIFY_PRIORITY?.trim() || '0' }
    return deliver({ url, form }, ctx, jsonRule((b) => Boolean(b.id), (b) => `${b.error ?? ''} ${b.errorDescription ?? ''}`.trim()))
  },
})
