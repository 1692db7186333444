/**
 * Secrets planted in every secret-bearing channel variable must appear nowhere in results or logs, even when
 * the remote end echoes the whole request (URL, headers, body) back in its error.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import { channels } from '../../src/notify/registry.js'
import { captureLogger, closedPort, configFrom, startServer, type Captured, type Reply, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Short enough that error excerpts (200 characters) still hold the secret-bearing parts. */
const echo = (req: Captured) => `${req.url} ${req.headers.authorization ?? ''} ${req.body}`

/** Every field any channel reads an error text from, all holding the echoed request. */
const echoInFields = (req: Captured): Reply => {
  const e = echo(req)
  return { json: { code: 1, errcode: 1, errno: 1, ret: 1, ok: false, success: false, errmsg: e, msg: e, message: e, error: e, reason: e, errMsg: e, description: e } }
}
const echoAs500 = (req: Captured): Reply => ({ status: 500, text: echo(req) })

function plantedEnv(origin: string, smtpPort: number) {
  const s = (name: string) => `S3cr3t-${name}-zq9`
  const secrets = {
    BARK_PUSH: `${origin}/${s('BARK')}`,
    DD_BOT_TOKEN: s('DD_BOT_TOKEN'),
    DD_BOT_SECRET: s('DD_BOT_SECRET'),
    FSKEY: s('FSKEY'),
    FSSECRET: s('FSSECRET'),
    TG_BOT_TOKEN: s('TG_BOT_TOKEN'),
    QYWX_KEY: s('QYWX_KEY'),
    QYWX_AM: `${s('CORPID')},${s('CORPSECRET')},@all,1000002`,
    SMTP_PASSWORD: s('SMTP_PASSWORD'),
    PUSH_KEY: s('PUSH_KEY'),
    PUSH_PLUS_TOKEN: s('PUSH_PLUS_TOKEN'),
    DEER_KEY: s('DEER_KEY'),
    GOTIFY_TOKEN: s('GOTIFY_TOKEN'),
    NTFY_TOKEN: s('NTFY_TOKEN'),
    NTFY_PASSWORD: s('NTFY_PASSWORD'),
    GOBOT_TOKEN: s('GOBOT_TOKEN'),
    CHRONOCAT_TOKEN: s('CHRONOCAT_TOKEN'),
    QMSG_KEY: s('QMSG_KEY'),
    AIBOTK_KEY: s('AIBOTK_KEY'),
    WEBHOOK_HEADERS: `Authorization: Bearer ${s('WEBHOOK_AUTH')}`,
    IGOT_PUSH_KEY: 'S3cr3tIGOTkey0123456789a',
    PUSHME_KEY: s('PUSHME_KEY'),
    CHAT_TOKEN: s('CHAT_TOKEN'),
    WE_PLUS_BOT_TOKEN: s('WE_PLUS_BOT_TOKEN'),
    WXPUSHER_APP_TOKEN: s('WXPUSHER_APP_TOKEN'),
    WXPUSHER_SPT_LIST: s('WXPUSHER_SPT'),
    OPENILINK_APP_TOKEN: s('OPENILINK_APP_TOKEN'),
    OPENILINK_CONTEXT_TOKEN: s('OPENILINK_CONTEXT_TOKEN'),
  }
  const plain = {
    DD_ORIGIN: origin, FS_ORIGIN: origin, TG_USER_ID: '42', TG_API_HOST: origin,
    QYWX_ORIGIN: origin, SMTP_SERVER: `127.0.0.1:${smtpPort}`, SMTP_EMAIL: 'me@example.com',
    SERVERCHAN_ORIGIN: origin, PUSH_PLUS_ORIGIN: origin, DEER_URL: `${origin}/message/push`,
    GOTIFY_URL: origin, NTFY_URL: origin, NTFY_TOPIC: 'topic', NTFY_USERNAME: 'bob',
    GOBOT_URL: `${origin}/send_private_msg`, GOBOT_QQ: 'user_id=1', CHRONOCAT_URL: origin, CHRONOCAT_QQ: 'user_id=1;group_id=2',
    QMSG_TYPE: 'send', QMSG_ORIGIN: origin, AIBOTK_TYPE: 'room', AIBOTK_NAME: 'room', AIBOTK_ORIGIN: origin,
    WEBHOOK_URL: `${origin}/hook?t=$title`, WEBHOOK_METHOD: 'POST', WEBHOOK_BODY: 'text: $content',
    IGOT_ORIGIN: origin, PUSHME_URL: origin, CHAT_URL: `${origin}/chat?token=`, WE_PLUS_BOT_ORIGIN: origin,
    WXPUSHER_UIDS: 'UID_1', WXPUSHER_ORIGIN: origin, OPENILINK_HUB_URL: origin,
  }
  return { secrets, env: { ...plain, ...secrets } }
}

/** The raw values, the parts hidden inside composite variables, and their common encodings. */
function forbiddenStrings(secrets: Record<string, string>): string[] {
  const parts = Object.values(secrets).flatMap((v) => [v, ...v.split(/[,:]|Bearer /)]).filter((p) => /S3cr3t/.test(p))
  return [...new Set(parts.flatMap((p) => [p, encodeURIComponent(p), Buffer.from(p).toString('base64')]))]
}

describe('secrets', () => {
  for (const [name, reply] of [['echoed in error fields', echoInFields], ['echoed in a 500 body', echoAs500]] as const) {
    it(`never reach results or logs (every channel enabled, remote ${name})`, async () => {
      server = await startServer(reply)
      const { secrets, env } = plantedEnv(server.origin, await closedPort())
      const config = configFrom(env)
      const { logger, output } = captureLogger(config, 'trace')
      const notifier = createNotifier({ config, logger })
      // Every channel of the registry is enabled by this environment: none escapes the test.
      expect(notifier.configuredChannels()).toEqual(channels.map((c) => c.id))

      const report = await notifier.send({ title: 'Build done', content: 'all green' })
      expect(report.results).toHaveLength(channels.length)
      expect(report.results.filter((r) => !r.ok).length).toBeGreaterThan(channels.length - 3)
      // The secrets did reach the remote end, so the echo really carried them.
      const sent = server.requests.map(echo).join('\n')
      for (const v of ['DD_BOT_TOKEN', 'TG_BOT_TOKEN', 'CORPSECRET', 'WEBHOOK_AUTH', 'OPENILINK_APP_TOKEN']) expect(sent).toContain(`S3cr3t-${v}`)

      const published = JSON.stringify(report) + output()
      for (const secret of forbiddenStrings(secrets)) expect(published, secret).not.toContain(secret)
      expect(output()).toContain('notification failed')
    })
  }

  it('keep the Telegram proxy credentials out of a proxy failure', async () => {
    const port = await closedPort()
    const env = { TG_BOT_TOKEN: 'S3cr3t-TG-zq9', TG_USER_ID: '1', TG_PROXY_HOST: '127.0.0.1', TG_PROXY_PORT: String(port), TG_PROXY_AUTH: 'S3cr3tUser:S3cr3tPass' }
    const config = configFrom(env)
    const { logger, output } = captureLogger(config, 'trace')
    const report = await createNotifier({ config, logger }).send({ title: 't', content: 'c' })
    expect(report.results).toMatchObject([{ channel: 'telegram', ok: false }])
    const published = JSON.stringify(report) + output()
    for (const secret of forbiddenStrings({ a: env.TG_PROXY_AUTH, b: env.TG_BOT_TOKEN })) expect(published).not.toContain(secret)
  })
})
