/**
 * The plugin contract, for every registered channel, built from its declaration alone (localEnv): a refused
 * connection, an HTTP 500, a remote that never answers, an error body and a disabled configuration each end in one
 * failed result that says why, never a throw, a hang or a false "delivered". A new channel is in this table by
 * being in the registry.
 */
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import { channels } from '../../src/notify/registry.js'
import type { ChannelDefinition, ChannelResult } from '../../src/notify/types.js'
import { closedPort, configFrom, flagged, localEnv, silentLogger, startServer, type Reply } from './helpers.js'

/**
 * The hang case's request timeout: short, so a hang costs little, and its outcome does not depend on the machine's
 * speed (nothing answers, however long it waits). Every other case gets a generous one, so a slow machine does not
 * turn a refusal into a timeout.
 */
const HANG_TIMEOUT_MS = 300
const TIMEOUT_MS = 15_000
const SAID = 'refused-by-test'

/** What services say when they refuse: every field a channel reads its error from, every success flag false. */
const ERROR_BODY = {
  code: 1, errcode: 1, errno: 1, ret: 1, retcode: 1, ok: false, success: false, StatusCode: 1,
  errmsg: SAID, msg: SAID, message: SAID, error: SAID, reason: SAID, errMsg: SAID, description: SAID, wording: SAID,
}

type Case = 'refused' | '500' | 'hang' | 'error body'

/** Whether the channel judges by status only: a 200 is success by its rule, so its error body comes with a 400. */
const statusOnly = (c: ChannelDefinition) => /^HTTP 2xx/.test(c.successRule)

// nodemailer is imported on first use; a cold import inside a 300 ms deadline would be a test of the machine.
beforeAll(async () => {
  await import('nodemailer')
})

/** Each test closes what it opened (the tests of a channel run concurrently). */
type Closers = (close: () => Promise<void>) => void

/** The remote end of one case, as the channel's transport sees it: an origin (HTTP) or a host:port (SMTP). */
async function remote(c: ChannelDefinition, kind: Case, onClose: Closers): Promise<string> {
  if (kind === 'refused') return `http://127.0.0.1:${await closedPort()}`
  if (c.id === 'smtp') return smtpRemote(kind, onClose)
  const reply: Reply =
    kind === 'hang' ? 'hang' : kind === '500' ? { status: 500, text: `Internal Server Error (${SAID})` } : { status: statusOnly(c) ? 400 : 200, json: ERROR_BODY }
  const server = await startServer(reply)
  onClose(server.close)
  return server.origin
}

/** A scripted SMTP server: a 554 greeting ("500"), silence ("hang"), or a refused login ("error body"). */
async function smtpRemote(kind: Case, onClose: Closers): Promise<string> {
  const sockets = new Set<Socket>()
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    if (kind === 'hang') return
    if (kind === '500') return void socket.end(`554 ${SAID}\r\n`)
    socket.write('220 test ESMTP\r\n')
    socket.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\r\n').filter(Boolean)) {
        if (/^EHLO|^HELO/i.test(line)) socket.write('250-test\r\n250 AUTH PLAIN LOGIN\r\n')
        else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n')
        else socket.write(`535 ${SAID}\r\n`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onClose(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function sendVia(c: ChannelDefinition, env: Record<string, string>, timeoutMs = TIMEOUT_MS, channelsFilter?: string[]): Promise<ChannelResult[]> {
  const config = configFrom({ ...env, NOTIFY_TIMEOUT_MS: String(timeoutMs) })
  const notifier = createNotifier({ config, logger: silentLogger(config), channels: [c] })
  const report = await notifier.send({ title: 'Build done', content: 'all green', channels: channelsFilter })
  return report.results
}

const expected: Record<Case, (c: ChannelDefinition) => RegExp> = {
  refused: () => /ECONNREFUSED/,
  '500': (c) => (c.id === 'smtp' ? new RegExp(SAID) : /HTTP 500/),
  hang: (c) => (c.id === 'smtp' ? /greeting|timed? ?out/i : new RegExp(`timed out after ${HANG_TIMEOUT_MS} ms`)),
  'error body': () => new RegExp(SAID),
}

describe.concurrent.each(channels.map((c) => [c.id, c] as const))('channel contract: %s', (_id, c) => {
  it('declares where it sends, so every case below reaches the local remote', () => {
    expect(flagged(c, 'endpoint').length).toBeGreaterThan(0)
  })

  for (const kind of ['refused', '500', 'hang', 'error body'] as const) {
    it(`${kind}: one failed result that says why`, async ({ onTestFinished }) => {
      const results = await sendVia(c, localEnv(c, await remote(c, kind, onTestFinished)), kind === 'hang' ? HANG_TIMEOUT_MS : TIMEOUT_MS)
      expect(results).toHaveLength(1)
      const [result] = results
      expect(result).toMatchObject({ channel: c.id, ok: false })
      expect(result.error).toMatch(expected[kind](c))
      if (kind === '500' && c.id !== 'smtp') expect(result.status).toBe(500)
    })
  }

  it('disabled: nothing is sent, and asking for it says which variables to set', async ({ onTestFinished }) => {
    const server = await startServer({ json: {} })
    onTestFinished(server.close)
    const endpointsOnly = Object.fromEntries(Object.entries(localEnv(c, server.origin)).filter(([n]) => c.variables[n].endpoint && !c.variables[n].required))
    expect(await sendVia(c, endpointsOnly)).toEqual([])
    const [refusal] = await sendVia(c, endpointsOnly, TIMEOUT_MS, [c.id])
    expect(refusal).toMatchObject({ channel: c.id, ok: false, durationMs: 0 })
    // An endpoint override alone is a start on the channel, so it is reported as half-configured.
    expect(refusal.error).toMatch(new RegExp(`^channel ${c.id} is (not |half-)configured: `))
    for (const n of flagged(c, 'required')) expect(refusal.error).toContain(n)
    expect(server.requests).toHaveLength(0)
  })
})
