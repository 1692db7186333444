/**
 * `wechat-mcp serve`: listen first (so /health answers at once), then start WeChat in the background; shut down
 * cleanly on SIGINT/SIGTERM within 10 s.
 */
import { mkdirSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Config } from './config.js'
import { createLogger, type Logger } from './logger.js'
import { createApp } from './http/app.js'
import { createServer } from './mcp/server.js'
import { createNotifier, logNotifyStatus } from './notify/notifier.js'
import { wechatChannel } from './notify/wechat-channel.js'
import { LogoutWatcher } from './wechat/logout-watcher.js'
import { loadFixture, FixtureError } from './wechat/sandbox.js'
import { WeChat } from './wechat/wechat.js'

const SHUTDOWN_BUDGET_MS = 9_000

export async function serve(config: Config): Promise<void> {
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets })
  installProcessHandlers(logger)
  // Everything this process writes (the login session, the audit log) is for the user's eyes only: the puppet
  // writes its memory card with default permissions, so restrict the default.
  process.umask(0o077)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })

  if (config.sandbox && config.mockFixture) {
    try {
      loadFixture(config.mockFixture)
    } catch (err) {
      if (!(err instanceof FixtureError)) throw err
      process.stderr.write(`wechat-mcp: ${err.message}\n`)
      process.exit(1)
    }
  }

  const wechat = new WeChat(config, logger)
  const wechatNotify = wechatChannel(wechat.sender, config)
  const notifier = createNotifier({ config, logger, extraChannels: wechatNotify ? [wechatNotify] : [] })
  new LogoutWatcher({ notifier, logger, loginPageUrl: () => wechat.loginPageUrl, isPublicUrl: config.publicUrl !== undefined }).watch(wechat)
  const deps = { wechat, notifier, config, logger }
  const { app, sessions } = createApp({ config, logger, wechat, notifier, newServer: () => createServer(deps) })

  const http = createHttpServer(app)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, config.host, resolve)
  })
  const port = (http.address() as AddressInfo).port
  wechat.loginPageUrl = `${config.publicUrl ?? `http://${displayHost(config.host)}:${port}`}/login`
  logger.info(
    { url: `http://${displayHost(config.host)}:${port}`, port, sse: '/sse', streamableHttp: '/mcp', puppet: config.puppet, auth: Boolean(config.authToken), readOnly: config.readOnly },
    'wechat-mcp listening',
  )
  logNotifyStatus(logger, notifier.status())

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      logger.warn('shutdown took too long; exiting anyway')
      process.exit(0)
    }, SHUTDOWN_BUDGET_MS)
    force.unref()
    // No new connections; requests already in progress (a tool call waiting for its paced send) still get answered.
    http.close()
    // Sends already queued finish (and are audited) while their sessions can still carry the answer.
    const pendingSends = wechat.pacer.pending
    if (pendingSends) logger.info({ pendingSends }, 'waiting for queued WeChat sends')
    await withTimeout(wechat.pacer.idle(), 4_000)
    // What could not go out in time never will: each such send is answered and audited as not sent.
    const dropped = wechat.pacer.abandonQueued()
    if (dropped) logger.warn({ dropped }, 'queued WeChat sends dropped at shutdown (not sent)')
    await new Promise((resolve) => setImmediate(resolve))
    await withTimeout(wechat.audit.flushed(), 1_000)
    // The answer to that tool call is written in the same turn as its audit line; let it out before closing.
    await new Promise((resolve) => setImmediate(resolve))
    await withTimeout(sessions.closeAll(), 1_000)
    http.closeAllConnections()
    // Stopping the bot keeps the login session (memory card): the next start needs no scan.
    await withTimeout(wechat.stop().catch((err) => logger.warn({ err: String(err) }, 'bot stop failed')), 3_000)
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))

  wechat.start().catch((err) => {
    logger.error({ err: String(err) }, 'WeChat failed to start; the server keeps serving and reports it in /health')
  })
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())])
}

/**
 * A stray rejected promise is logged and the server keeps serving; an uncaught exception leaves the process in an
 * unknown state, so it is logged and the process exits for the process manager to restart. Returns how to remove both.
 */
export function installProcessHandlers(logger: Logger): () => void {
  const onRejection = (reason: unknown) => {
    logger.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled promise rejection')
  }
  const onException = (err: Error) => {
    logger.fatal({ err: err.stack ?? String(err) }, 'uncaught exception; exiting so the process manager restarts a clean process')
    process.exit(1)
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}
