import type { AddressInfo } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import smtp, { createSmtpChannel, parseServer, wellKnownService } from '../../../src/notify/channels/smtp.js'
import { sendThrough } from '../helpers.js'

interface Received {
  auth: { username?: string; password?: string }
  from: string
  to: string[]
  raw: string
}

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

/** A local SMTP server that accepts alice@example.com / app-password-1 (unless `onAuth` says otherwise) and records each mail. */
async function startSmtp(options: Partial<SMTPServerOptions>) {
  const received: Received[] = []
  let auth: Received['auth'] = {}
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: [],
    logger: false,
    ...options,
    onAuth(a, _session, cb) {
      auth = { username: a.username ?? undefined, password: a.password ?? undefined }
      if (a.username === 'alice@example.com' && a.password === 'app-password-1') cb(null, { user: a.username })
      else cb(new Error('535 Authentication failed'))
    },
    ...(options.onAuth ? { onAuth: options.onAuth } : {}),
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({
          auth,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return { port: (server.server.address() as AddressInfo).port, received }
}

const MAIL = { title: 'Build done', content: 'line 1\nline <2> & more' }
const ACCOUNT = { SMTP_EMAIL: 'alice@example.com', SMTP_PASSWORD: 'app-password-1', SMTP_NAME: 'CI Bot' }

describe('smtp', () => {
  it('SMTP_SERVER style, plain (SMTP_SSL unset): authenticates and delivers to every SMTP_EMAIL_TO', async () => {
    const { port, received } = await startSmtp({ secure: false, hideSTARTTLS: true })
    const result = await sendThrough(
      smtp,
      { ...ACCOUNT, SMTP_SERVER: `127.0.0.1:${port}`, SMTP_EMAIL_TO: 'bob@example.com；carol@example.com' },
      MAIL,
    )
    expect(result).toMatchObject({ channel: 'smtp', ok: true })
    expect(received).toHaveLength(1)
    const [mail] = received
    expect(mail.auth).toEqual({ username: 'alice@example.com', password: 'app-password-1' })
    expect(mail.from).toBe('alice@example.com')
    expect(mail.to).toEqual(['bob@example.com', 'carol@example.com'])
    expect(mail.raw).toMatch(/^From: "?CI Bot"? <alice@example.com>$/m)
    expect(mail.raw).toMatch(/^Subject: Build done$/m)
    expect(mail.raw).toContain('line 1')
    // The HTML part is escaped: a "<" in a message is text, not markup.
    expect(mail.raw).toContain('line &lt;2&gt; &amp; more')
  })

  it('SMTP_SERVER style with SMTP_SSL=true speaks implicit TLS', async () => {
    const { port, received } = await startSmtp({ secure: true })
    // The test server's certificate is self-signed: trusted through the channel's test hook.
    const channel = createSmtpChannel({ tls: { rejectUnauthorized: false } })
    const result = await sendThrough(channel, { ...ACCOUNT, SMTP_SERVER: `127.0.0.1:${port}`, SMTP_SSL: 'true' }, MAIL)
    expect(result.ok).toBe(true)
    expect(received[0].to).toEqual(['alice@example.com'])
  })

  it('SMTP_SERVICE style resolves the service name and connects where it says', async () => {
    const { port, received } = await startSmtp({ secure: true })
    const asked: string[] = []
    const channel = createSmtpChannel({
      lookupService: async (name) => {
        asked.push(name)
        return { host: '127.0.0.1', port, secure: true }
      },
      tls: { rejectUnauthorized: false },
    })
    const result = await sendThrough(channel, { ...ACCOUNT, SMTP_SERVICE: 'qq' }, MAIL)
    expect(result.ok).toBe(true)
    expect(asked).toEqual(['qq'])
    expect(received).toHaveLength(1)
  })

  it('the default SMTP_SERVICE lookup is nodemailer\'s well-known list', async () => {
    await expect(wellKnownService('qq')).resolves.toEqual({ host: 'smtp.qq.com', port: 465, secure: true })
    await expect(wellKnownService('Gmail')).resolves.toEqual({ host: 'smtp.gmail.com', port: 465, secure: true })
    await expect(wellKnownService('no-such-service')).resolves.toBeUndefined()
  })

  it('an unknown SMTP_SERVICE is a failure that says what to do', async () => {
    const result = await sendThrough(smtp, { ...ACCOUNT, SMTP_SERVICE: 'no-such-service' }, MAIL)
    expect(result.ok).toBe(false)
    expect(result.error).toContain('SMTP_SERVER')
  })

  it('a rejected login is a failure without the password', async () => {
    const { port } = await startSmtp({ secure: false, hideSTARTTLS: true })
    const result = await sendThrough(smtp, { ...ACCOUNT, SMTP_PASSWORD: 'wrong-password-9', SMTP_SERVER: `127.0.0.1:${port}` }, MAIL)
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/auth|535/i)
    expect(result.error).not.toContain('wrong-password-9')
  })

  it.each([
    ['AUTH PLAIN quoted back in base64', (u: string, p: string) => Buffer.from(`\u0000${u}\u0000${p}`).toString('base64')],
    ['user:password in base64', (u: string, p: string) => Buffer.from(`${u}:${p}`).toString('base64')],
    ['the password in base64', (_u: string, p: string) => Buffer.from(p).toString('base64')],
    ['upper-cased by a relay', (u: string, p: string) => `${u}:${p}`.toUpperCase()],
    ['base64, then upper-cased', (u: string, p: string) => Buffer.from(`\u0000${u}\u0000${p}`).toString('base64').toUpperCase()],
    ['percent-encoded', (_u: string, p: string) => encodeURIComponent(p)],
  ])('a 535 reply that echoes the credentials (%s) reaches no result', async (_name, echo) => {
    const password = 'Wr0ng/pass+word=99'
    const echoed = echo(ACCOUNT.SMTP_EMAIL, password)
    const { port } = await startSmtp({
      secure: false,
      hideSTARTTLS: true,
      onAuth(_a, _session, cb) {
        cb(new Error(`5.7.8 Authentication credentials invalid: ${echoed}`))
      },
    })
    const result = await sendThrough(smtp, { ...ACCOUNT, SMTP_PASSWORD: password, SMTP_SERVER: `127.0.0.1:${port}` }, MAIL)
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(/535|credentials invalid/i)
    expect(result.error).not.toContain(echoed)
    expect(result.error?.toLowerCase()).not.toContain(password.toLowerCase())
  })

  it('parses host:port with smtplib defaults', () => {
    expect(parseServer('smtp.example.com:587', false)).toEqual({ host: 'smtp.example.com', port: 587, secure: false })
    expect(parseServer('smtp.example.com', true)).toEqual({ host: 'smtp.example.com', port: 465, secure: true })
  })
})
