/**
 * E-mail through nodemailer. Two configuration styles, as users bring them:
 * SMTP_SERVER ("host:port") + SMTP_SSL (notify.py, mcp-push), or SMTP_SERVICE (a nodemailer well-known
 * service, sendNotify.js). SMTP_SERVER wins when both are set.
 */
import type { ConnectionOptions } from 'node:tls'
import { defineChannel } from '../channel.js'
import { describeError, escapeHtml } from '../http.js'
import type { ChannelDefinition, ChannelEnv } from '../types.js'
import { redactSecrets } from '../../logger.js'

export interface SmtpEndpoint {
  host: string
  port: number
  /** Implicit TLS; otherwise STARTTLS is used when the server offers it. */
  secure: boolean
}

export interface SmtpOptions {
  /** Resolves SMTP_SERVICE; defaults to nodemailer's well-known list. Tests point it at a local server. */
  lookupService?: (name: string) => Promise<SmtpEndpoint | undefined>
  /** Extra TLS options (tests trust a self-signed certificate). */
  tls?: ConnectionOptions
}

export async function wellKnownService(name: string): Promise<SmtpEndpoint | undefined> {
  const { default: wellKnown } = await import('nodemailer/lib/well-known')
  const found = wellKnown(name)
  if (!found || !found.host) return undefined
  const secure = Boolean(found.secure)
  return { host: found.host, port: Number(found.port ?? (secure ? 465 : 587)), secure }
}

/** "host:port" (or just host); the port defaults to 465 with SSL, 25 without, as smtplib does. */
export function parseServer(server: string, ssl: boolean): SmtpEndpoint {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server.trim())
  if (!match) throw new Error('SMTP_SERVER must be "host:port"')
  return { host: match[1], port: match[2] ? Number(match[2]) : ssl ? 465 : 25, secure: ssl }
}

/** SMTP_EMAIL_TO (or legacy SMTP_TO), split on ";" or "；"; defaults to the sender. */
export function recipients(env: ChannelEnv): string[] {
  const list = (env.SMTP_EMAIL_TO || env.SMTP_TO || '').split(/[;；]/).map((s) => s.trim()).filter(Boolean)
  return list.length ? list : [env.SMTP_EMAIL!]
}

export function createSmtpChannel(options: SmtpOptions = {}): ChannelDefinition {
  const lookup = options.lookupService ?? wellKnownService
  return defineChannel({
    id: 'smtp',
    name: 'E-mail (SMTP)',
    variables: {
      SMTP_SERVER: { endpoint: true, example: 'smtp.qq.com:465' },
      SMTP_SSL: {},
      SMTP_SERVICE: { example: 'qq' },
      SMTP_EMAIL: { required: true, example: 'me@qq.com' },
      SMTP_PASSWORD: { required: true, secret: true, example: 'abcdefghijklmnop' },
      SMTP_NAME: {},
      SMTP_EMAIL_TO: {},
      SMTP_TO: {},
    },
    alternatives: [['SMTP_SERVER'], ['SMTP_SERVICE']],
    successRule: 'the server accepted the message (a messageId and at least one accepted recipient)',
    async send({ title, content }, ctx) {
      const env = ctx.env
      let endpoint: SmtpEndpoint | undefined
      if (env.SMTP_SERVER) endpoint = parseServer(env.SMTP_SERVER, env.SMTP_SSL?.toLowerCase() === 'true')
      else {
        endpoint = await lookup(env.SMTP_SERVICE!)
        if (!endpoint) return { ok: false, error: `SMTP_SERVICE "${env.SMTP_SERVICE}" is not a known service; set SMTP_SERVER=host:port instead` }
      }
      const { createTransport } = await import('nodemailer')
      const transport = createTransport({
        ...endpoint,
        auth: { user: env.SMTP_EMAIL!, pass: env.SMTP_PASSWORD! },
        connectionTimeout: ctx.timeoutMs,
        greetingTimeout: ctx.timeoutMs,
        socketTimeout: ctx.timeoutMs,
        ...(options.tls ? { tls: options.tls } : {}),
      })
      // nodemailer has no abort signal: closing the transport is how a deadline stops it.
      const onAbort = () => transport.close()
      ctx.signal.addEventListener('abort', onAbort, { once: true })
      try {
        const info = await transport.sendMail({
          from: { name: env.SMTP_NAME || env.SMTP_EMAIL!, address: env.SMTP_EMAIL! },
          to: recipients(env),
          subject: title,
          text: content,
          html: escapeHtml(content).replace(/\r?\n/g, '<br/>'),
        })
        if (info.messageId && info.accepted.length > 0) return { ok: true }
        return { ok: false, error: redactSecrets(`rejected: ${info.response ?? 'no recipient accepted'}`, ctx.secrets) }
      } catch (err) {
        const why = ctx.signal.aborted ? 'aborted: the channel deadline passed' : describeError(err)
        return { ok: false, error: redactSecrets(why, ctx.secrets) }
      } finally {
        ctx.signal.removeEventListener('abort', onAbort)
        transport.close()
      }
    },
  })
}

export default createSmtpChannel()
