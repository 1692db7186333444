/**
 * `wechat-mcp serve`: listen first (so /health answers at once), then start the roads into WeChat in the background;
 * shut down cleanly on SIGINT/SIGTERM within 10 s.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Config } from './config.js'
import { compose } from './compose.js'
import { createLogger, RuntimeSecrets, type Logger } from './logger.js'
import { createApp } from './http/app.js'
import { createServer } from './mcp/server.js'
import { logNotifyStatus } from './notify/notifier.js'
import { startBanner } from './start-banner.js'
import { printRoadStates } from './roads/terminal.js'
import type { WebRoad } from './roads/web/web-road.js'
import { loadFixture, FixtureError } from './roads/web/sandbox.js'
import { channelStreamChanged } from './channel/attach.js'
import { checkDataDir } from './wechat/data-dir.js'
import type { Pacer } from './wechat/pacer.js'
import type { AuditLog } from './wechat/audit.js'
import type { Roads } from './roads/roads.js'
import type { Notifier } from './notify/types.js'
import type { SessionRegistry } from './http/sessions.js'

const SHUTDOWN_BUDGET_MS = 9_000

export async function serve(config: Config): Promise<void> {
  // Secrets a road learns at runtime (the ClawBot bot token) join the configured ones in the scrubber.
  const runtimeSecrets = new RuntimeSecrets()
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets, runtimeSecrets })
  installProcessHandlers(logger)
  for (const warning of config.warnings) logger.warn({ component: 'config' }, warning)
  // Everything this process writes (the login session, the audit log) is for the user's eyes only: the puppet
  // writes its memory card with default permissions, so restrict the default.
  process.umask(0o077)
  exitUnlessDataDirWritable(config.dataDir, logger)

  if (config.sandbox && config.mockFixture) exitUnlessFixtureLoads(config.mockFixture)

  const parts = compose(config, logger, { runtimeSecrets })
  const { roads, pacer, audit } = parts
  const { sender, inbox, directory, owner, notifier } = parts
  const deps = { sender, inbox, directory, roads, owner, notifier, config, logger }
  const sandbox = () => (roads.road('web') as WebRoad | undefined)?.sandbox
  const { channel } = parts
  const health = { audit, get memoryCardProblem() { return (roads.road('web') as WebRoad | undefined)?.memoryCardProblem } }
  const { app, sessions } = createApp({
    config,
    logger,
    roads,
    owner,
    sandbox,
    notifier,
    health,
    newServer: (hints) => createServer(deps, { channel, name: hints.name }),
    ...(channel ? { onServerStream: channelStreamChanged } : {}),
  })

  const http = createHttpServer(app)
  // Clients (undici's fetch, the SDK, proxies) reuse idle connections. With Node's 5 s default the server may close one
  // just as a client sends on it, and that request fails with "fetch failed"/ECONNRESET (seen under load). Outlive
  // the clients' own idle timeouts instead, as servers behind load balancers do.
  http.keepAliveTimeout = 65_000
  http.headersTimeout = 66_000
  const port = await listenOrExit(http, config)
  roads.loginPageUrl = `${config.publicUrl ?? `http://${displayHost(config.host)}:${port}`}/login`
  announce(config, logger, roads, notifier, port)
  exitCleanlyOnSignals({ logger, http, pacer, audit, sessions, roads })

  printRoadStates(roads)
  roads.startAll()
}

/** A sandbox fixture that cannot be read or is malformed stops the server here, with the cause (exit 1). */
function exitUnlessFixtureLoads(fixture: string): void {
  try {
    loadFixture(fixture)
  } catch (err) {
    if (!(err instanceof FixtureError)) throw err
    process.stderr.write(`wechat-mcp: ${err.message}\n`)
    process.exit(1)
  }
}

/** Listens on HOST:PORT and returns the port; a port taken or not allowed stops the server with what to do (exit 1). */
async function listenOrExit(http: Server, config: Config): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, config.host, resolve)
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err
    process.stderr.write(
      err.code === 'EADDRINUSE'
        ? `wechat-mcp: ${config.host}:${config.port} is already in use: another wechat-mcp is probably running (\`pm2 ls\`, \`docker ps\`, or \`ss -ltnp 'sport = :${config.port}'\` shows what holds it). Stop it, or set PORT to a free port.\n`
        : `wechat-mcp: not allowed to listen on ${config.host}:${config.port} (ports below 1024 need privileges): set PORT to 1024 or above.\n`,
    )
    process.exit(1)
  })
  return (http.address() as AddressInfo).port
}

/** Where the server listens and what it runs: one log line, the notification channels, and the start banner. */
function announce(config: Config, logger: Logger, roads: Roads, notifier: Notifier, port: number): void {
  logger.info(
    { url: `http://${displayHost(config.host)}:${port}`, port, sse: '/sse', streamableHttp: '/mcp', puppet: config.puppet, roads: roads.list().filter((r) => roads.has(r.id)).map((r) => r.id), auth: Boolean(config.authToken), readOnly: config.readOnly },
    'wechat-mcp listening',
  )
  logNotifyStatus(logger, notifier.status())
  process.stderr.write(
    startBanner({
      url: `http://${displayHost(config.host)}:${port}`,
      loginUrl: roads.loginPageUrl,
      roads: roads.list().filter((r) => roads.has(r.id)),
      notify: notifier.status(),
      sandbox: config.sandbox,
      auth: Boolean(config.authToken),
      readOnly: config.readOnly,
    }),
  )
}

interface Running {
  logger: Logger
  http: Server
  pacer: Pacer
  audit: AuditLog
  sessions: Pick<SessionRegistry, 'closeAll'>
  roads: Roads
}

/** SIGINT/SIGTERM: stop taking work, let queued sends finish and be audited, close sessions and roads, exit 0. */
function exitCleanlyOnSignals({ logger, http, pacer, audit, sessions, roads }: Running): void {
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
    const pendingSends = pacer.pending
    if (pendingSends) logger.info({ pendingSends }, 'waiting for queued WeChat sends')
    await withTimeout(pacer.idle(), 4_000)
    // What could not go out in time never will: each such send is answered and audited as not sent.
    const dropped = pacer.abandonQueued('shutdown')
    if (dropped) logger.warn({ dropped }, 'queued WeChat sends dropped at shutdown (not sent)')
    await new Promise((resolve) => setImmediate(resolve))
    await withTimeout(audit.flushed(), 1_000)
    // The answer to that tool call is written in the same turn as its audit line; let it out before closing.
    await new Promise((resolve) => setImmediate(resolve))
    await withTimeout(sessions.closeAll(), 1_000)
    http.closeAllConnections()
    // Stopping the roads keeps their logins (the memory card, saved credentials): the next start needs no scan.
    await withTimeout(roads.stopAll(), 3_000)
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
}

/** A DATA_DIR the audit log cannot be written to stops the server here, with the cause (exit 1). */
function exitUnlessDataDirWritable(dataDir: string, logger: Logger): void {
  const check = checkDataDir(dataDir)
  if (!check.ok) {
    logger.fatal({ dataDir }, check.message)
    process.stderr.write(`wechat-mcp: ${check.message}\n`)
    process.exit(1)
  }
  if (check.repairedBytes) logger.warn({ bytes: check.repairedBytes }, 'audit.jsonl ended in a torn line; it was cut off and kept as a torn_line_repaired record')
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
