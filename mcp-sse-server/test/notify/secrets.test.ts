/**
 * Secrets planted in every secret-bearing channel variable must appear nowhere in results or logs, even when
 * the remote end echoes the whole request (URL, headers, body) back in its error.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import { channelSecrets, channels } from '../../src/notify/registry.js'
import { captureLogger, closedPort, configFrom, flagged, localEnv, startServer, type Captured, type Reply, type TestServer } from './helpers.js'

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

/**
 * Every channel enabled from its declaration (localEnv), and a value in every variable it declares secret: its
 * example, or a planted one. Nothing here names a channel: a new channel is covered by declaring its variables.
 */
function plantedEnv(origin: string, smtpPort: number) {
  const env: Record<string, string> = {}
  for (const c of channels) {
    Object.assign(env, localEnv(c, origin))
    for (const n of flagged(c, 'secret')) env[n] ??= c.variables[n].example ?? `S3cr3t-${n}-zq9`
  }
  env.SMTP_SERVER = `127.0.0.1:${smtpPort}`
  // The remote answers at once; a generous timeout keeps a loaded machine from turning a send into a timeout.
  env.NOTIFY_TIMEOUT_MS = '20000'
  return env
}

/** What the declarations make secret (whole values and the parts inside composite ones), and their common encodings. */
function forbiddenStrings(env: Record<string, string>): string[] {
  return [...new Set(channelSecrets(env).flatMap((p) => [p, encodeURIComponent(p), Buffer.from(p).toString('base64')]))]
}

describe('secrets', () => {
  for (const [name, reply] of [['echoed in error fields', echoInFields], ['echoed in a 500 body', echoAs500]] as const) {
    it(`never reach results or logs (every channel enabled, remote ${name})`, async () => {
      server = await startServer(reply)
      const env = plantedEnv(server.origin, await closedPort())
      const config = configFrom(env)
      const { logger, output } = captureLogger(config, 'trace')
      const notifier = createNotifier({ config, logger })
      // Every channel of the registry is enabled by this environment: none escapes the test.
      expect(notifier.configuredChannels()).toEqual(channels.map((c) => c.id))

      const report = await notifier.send({ title: 'Build done', content: 'all green' })
      expect(report.results).toHaveLength(channels.length)
      expect(report.results.filter((r) => !r.ok).length).toBeGreaterThan(channels.length - 3)
      // Every HTTP channel's secrets did reach the remote end, so the echo really carried them.
      const sent = decodeURIComponent(server.requests.map((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`).join('\n'))
      for (const c of channels.filter((c) => c.id !== 'smtp')) {
        const carried = c.secretValues(env).filter((v) => sent.includes(v) || sent.includes(Buffer.from(v).toString('base64')))
        expect(carried.length, `${c.id} sent none of its secrets`).toBeGreaterThan(0)
      }

      const published = JSON.stringify(report) + output()
      for (const secret of forbiddenStrings(env)) expect(published, secret).not.toContain(secret)
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
    for (const secret of [...forbiddenStrings(env), 'S3cr3tUser', 'S3cr3tPass']) expect(published).not.toContain(secret)
  })
})
