/**
 * notify_send through every channel of the registry at once, each channel answered by its own local server
 * (127.0.0.1) after a fixed delay with that channel's success reply; then the same with one channel that never
 * answers, which must end the call at NOTIFY_TIMEOUT_MS, not later.
 */
import { createServer, type Server as HttpServer, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { SMTPServer } from 'smtp-server'
import { channels } from '../../src/notify/registry.js'
import { closeAll, connect, median, round } from './load.js'
import { sleep } from './proc.js'
import { figure, type Figure } from './report.js'
import { startOurs, type BenchContext } from './servers.js'
import type { Budgets, Log } from './phases.js'

/** What each channel's real service answers when it accepted a message (the channel's own success rule). */
const SUCCESS: Record<string, { json?: unknown; text?: string }> = {
  bark: { json: { code: 200, message: 'success' } },
  dingtalk: { json: { errcode: 0, errmsg: 'ok' } },
  feishu: { json: { code: 0, msg: 'success', StatusCode: 0 } },
  telegram: { json: { ok: true, result: { message_id: 1 } } },
  'wecom-bot': { json: { errcode: 0, errmsg: 'ok' } },
  // gettoken and message/send: one reply that satisfies both steps.
  'wecom-app': { json: { errcode: 0, errmsg: 'ok', access_token: 'bench-token', expires_in: 7200 } },
  serverchan: { json: { code: 0, message: '', data: { pushid: '1' } } },
  pushplus: { json: { code: 200, msg: '请求成功', data: 'flow-id' } },
  pushdeer: { json: { code: 0, content: { result: ['{"counts":1}'] } } },
  gotify: { json: { id: 1, appid: 1, message: 'm', title: 't' } },
  ntfy: { json: { id: 'bench1', event: 'message' } },
  gocqhttp: { json: { retcode: 0, status: 'ok', data: { message_id: 1 } } },
  chronocat: { json: { msgId: '1' } },
  qmsg: { json: { code: 0, success: true, reason: '操作成功' } },
  aibotk: { json: { code: 0, msg: 'ok' } },
  webhook: { json: { ok: true } },
  igot: { json: { ret: 0, errMsg: 'ok' } },
  pushme: { text: 'success' },
  'synology-chat': { json: { success: true } },
  weplusbot: { json: { code: 200, msg: 'ok' } },
  wxpusher: { json: { code: 1000, msg: '处理成功', success: true } },
  openilink: { json: { ok: true } },
}

/** Each channel's variables, pointed at its own local server (`o` = that server's origin). */
function channelEnv(id: string, o: string): Record<string, string> {
  switch (id) {
    case 'bark': return { BARK_PUSH: `${o}/bench-device-key` }
    case 'dingtalk': return { DD_BOT_TOKEN: 'bench-token', DD_BOT_SECRET: 'bench-secret', DD_ORIGIN: o }
    case 'feishu': return { FSKEY: 'bench-key', FSSECRET: 'bench-secret', FS_ORIGIN: o }
    case 'telegram': return { TG_BOT_TOKEN: '123:bench', TG_USER_ID: '42', TG_API_HOST: o }
    case 'wecom-bot': return { QYWX_KEY: 'bench-key', QYWX_ORIGIN: o }
    // wecom-bot and wecom-app share QYWX_ORIGIN: both go to the wecom-app server (see channelServerFor).
    case 'wecom-app': return { QYWX_AM: 'corp,secret,@all,1000002' }
    case 'serverchan': return { PUSH_KEY: 'SCTbench', SERVERCHAN_ORIGIN: o }
    case 'pushplus': return { PUSH_PLUS_TOKEN: 'bench-token', PUSH_PLUS_ORIGIN: o }
    case 'pushdeer': return { DEER_KEY: 'bench-key', DEER_URL: `${o}/message/push` }
    case 'gotify': return { GOTIFY_URL: o, GOTIFY_TOKEN: 'bench-token' }
    case 'ntfy': return { NTFY_URL: o, NTFY_TOPIC: 'bench' }
    case 'gocqhttp': return { GOBOT_URL: `${o}/send_private_msg`, GOBOT_QQ: 'user_id=1', GOBOT_TOKEN: 'bench-token' }
    case 'chronocat': return { CHRONOCAT_URL: o, CHRONOCAT_TOKEN: 'bench-token', CHRONOCAT_QQ: 'user_id=1' }
    case 'qmsg': return { QMSG_KEY: 'bench-key', QMSG_TYPE: 'send', QMSG_ORIGIN: o }
    case 'aibotk': return { AIBOTK_KEY: 'bench-key', AIBOTK_TYPE: 'room', AIBOTK_NAME: 'bench', AIBOTK_ORIGIN: o }
    case 'webhook': return { WEBHOOK_URL: `${o}/hook?t=$title`, WEBHOOK_METHOD: 'POST', WEBHOOK_CONTENT_TYPE: 'application/json', WEBHOOK_BODY: 'text: $content' }
    case 'igot': return { IGOT_PUSH_KEY: 'Bench0123456789abcdefghi', IGOT_ORIGIN: o }
    case 'pushme': return { PUSHME_KEY: 'bench-key', PUSHME_URL: o }
    case 'synology-chat': return { CHAT_URL: `${o}/chat?token=`, CHAT_TOKEN: 'bench-token' }
    case 'weplusbot': return { WE_PLUS_BOT_TOKEN: 'bench-token', WE_PLUS_BOT_ORIGIN: o }
    case 'wxpusher': return { WXPUSHER_APP_TOKEN: 'AT_bench', WXPUSHER_UIDS: 'UID_bench', WXPUSHER_ORIGIN: o }
    case 'openilink': return { OPENILINK_APP_TOKEN: 'bench-token', OPENILINK_HUB_URL: o }
    case 'smtp': return { SMTP_SERVER: o, SMTP_EMAIL: 'bench@example.com', SMTP_PASSWORD: 'bench-password', SMTP_EMAIL_TO: 'me@example.com' }
    default: throw new Error(`the bench does not know channel "${id}" yet: add its variables and success reply to bench/lib/notify.ts`)
  }
}

/** The channel that never answers in the second measurement: one request per send, so its deadline is one timeout. */
const HUNG = 'dingtalk'

interface ChannelServer {
  id: string
  origin: string
  requests: number
  hang: boolean
  close(): Promise<void>
}

async function startHttpChannel(id: string, delayMs: number): Promise<ChannelServer> {
  const reply = SUCCESS[id]
  if (!reply) throw new Error(`no success reply for channel "${id}" in bench/lib/notify.ts`)
  const sockets = new Set<Socket>()
  const state = { requests: 0, hang: false }
  const answer = (res: ServerResponse) => {
    if (reply.text !== undefined) res.writeHead(200, { 'content-type': 'text/plain' }).end(reply.text)
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json))
  }
  const server: HttpServer = createServer((req, res) => {
    state.requests++
    req.resume()
    req.on('end', () => {
      if (state.hang) return // never answers; the socket is destroyed at close
      setTimeout(() => answer(res), delayMs)
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    id,
    origin: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests
    },
    get hang() {
      return state.hang
    },
    set hang(v: boolean) {
      state.hang = v
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  } as ChannelServer
}

/**
 * smtp-server holds its greeting for 100 ms by design (it detects clients that talk too early), so the end of the
 * message is answered that much sooner: the SMTP conversation as a whole, like each HTTP stand-in, takes `delayMs`.
 */
const SMTP_GREETING_DELAY_MS = 100

async function startSmtpChannel(delayMs: number): Promise<ChannelServer> {
  const state = { requests: 0, hang: false }
  const dataDelayMs = Math.max(0, delayMs - SMTP_GREETING_DELAY_MS)
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    // Otherwise every connection waits for a reverse DNS lookup of 127.0.0.1, which is the bench's cost, not the channel's.
    disableReverseLookup: true,
    onAuth: (_auth, _session, cb) => cb(null, { user: 'bench' }),
    onData(stream, _session, cb) {
      state.requests++
      stream.resume()
      stream.on('end', () => setTimeout(() => cb(null), dataDelayMs))
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    id: 'smtp',
    origin: `127.0.0.1:${port}`,
    get requests() {
      return state.requests
    },
    hang: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  } as ChannelServer
}

interface Report {
  outcome: string
  delivered: number
  failed: number
  results: Array<{ channel: string; ok: boolean; error?: string; durationMs: number }>
}

export async function notifyPhase(ctx: BenchContext, budgets: Budgets, log: Log): Promise<Figure[]> {
  const { delayMs, timeoutMs, runs } = budgets.notify
  const ids = channels.map((c) => c.id)
  log(`notify: notify_send to all ${ids.length} channels, each local server answering after ${delayMs} ms; NOTIFY_TIMEOUT_MS=${timeoutMs}`)
  const servers = await Promise.all(ids.map((id) => (id === 'smtp' ? startSmtpChannel(delayMs) : startHttpChannel(id, delayMs))))
  const byId = new Map(servers.map((s) => [s.id, s]))
  const env: Record<string, string> = { NOTIFY_TIMEOUT_MS: String(timeoutMs) }
  for (const id of ids) Object.assign(env, channelEnv(id, byId.get(id)!.origin))
  // WeCom's bot and app share QYWX_ORIGIN; the wecom-app server's reply satisfies both.
  env.QYWX_ORIGIN = byId.get('wecom-app')!.origin
  const ours = await startOurs(ctx, { name: 'wechat-mcp (notify)', env, waitIndexed: true })
  const client = await connect(ours.url, 'sse')
  try {
    const send = async (): Promise<{ ms: number; report: Report }> => {
      const t0 = performance.now()
      const result = await client.callTool({ name: 'notify_send', arguments: { title: 'Bench', content: 'notify_send to every channel' } })
      return { ms: performance.now() - t0, report: result.structuredContent as unknown as Report }
    }
    // One untimed call first: connections, the first compile of each channel's code.
    await send()
    const all: Array<{ ms: number; report: Report }> = []
    for (let i = 0; i < runs; i++) all.push(await send())
    const failedAll = [...new Set(all.flatMap((r) => r.report.results.filter((x) => !x.ok).map((x) => `${x.channel}: ${x.error}`)))]
    // A full run's figure is void if a channel failed; a quick run (a smoke test on a busy box) only reports it.
    if (failedAll.length && budgets.notify.strict) throw new Error(`notify_send: channels failed against their local servers:\n${failedAll.join('\n')}`)
    const slowest = all.map((r) => [...r.report.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((x) => `${x.channel} ${x.durationMs} ms`))

    byId.get(HUNG)!.hang = true
    const hung: Array<{ ms: number; report: Report }> = []
    for (let i = 0; i < Math.max(1, Math.ceil(runs / 2)); i++) hung.push(await send())
    byId.get(HUNG)!.hang = false
    const unexpected = hung.flatMap((h) => h.report.results.filter((x) => x.ok === (x.channel === HUNG)))
    if (unexpected.length && budgets.notify.strict) throw new Error(`notify_send with ${HUNG} hung: unexpected results ${JSON.stringify(unexpected)}`)
    const allMs = median(all.map((r) => r.ms))
    const hungMs = median(hung.map((r) => r.ms))
    log(`notify: all channels ${round(allMs, 1)} ms; with ${HUNG} hung ${round(hungMs, 1)} ms`)
    return [
      figure({
        id: 'notify.allChannels.ms',
        label: `notify_send to all ${ids.length} channels (each answers in ${delayMs} ms)`,
        unit: 'ms',
        value: allMs,
        baseline: delayMs,
        baselineLabel: 'one channel’s answer time',
        target: { kind: 'ratio', max: 1.25, text: `≤ 1.25× ${delayMs} ms` },
        detail: { channels: ids, runs: all.map((r) => round(r.ms, 1)), slowestChannels: slowest, ...(failedAll.length ? { failures: failedAll } : {}) },
      }),
      figure({
        id: 'notify.oneHung.ms',
        label: `notify_send with ${HUNG} hung (NOTIFY_TIMEOUT_MS=${timeoutMs})`,
        unit: 'ms',
        value: hungMs,
        baseline: timeoutMs,
        baselineLabel: 'NOTIFY_TIMEOUT_MS',
        target: { kind: 'ratio', max: 1.1, text: `at the timeout: ≤ 1.1× ${timeoutMs} ms` },
        detail: {
          hungChannel: HUNG,
          runs: hung.map((r) => round(r.ms, 1)),
          hungResult: hung[0].report.results.find((x) => x.channel === HUNG),
          ...(unexpected.length ? { unexpected } : {}),
        },
      }),
    ]
  } finally {
    await closeAll([client])
    await ours.proc.kill()
    await Promise.all(servers.map((s) => s.close()))
    await sleep(0)
  }
}
