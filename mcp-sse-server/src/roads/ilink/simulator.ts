/**
 * A simulated iLink (ClawBot) server on 127.0.0.1, for the sandbox (`npm run sandbox` with ILINK_ENABLED=true) and
 * the tests. It checks every request the way WeChat's would: the headers, the
 * base_info, the bot token, the update cursor, the context_token of the owner's latest message, unique client ids,
 * the reply window and per-message budget (refused with ret ≠ 0), and the CDN upload, decrypted with the key the
 * client announced and compared with the announced size and md5. What a correct client must never do lands in
 * `violations`; what WeChat merely refuses gets a non-zero `ret`, as WeChat answers.
 */
import { createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { VERSION } from '../../version.js'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: Record<string, unknown>
}

export interface FakeItem {
  type: number
  text_item?: { text: string }
  voice_item?: { text?: string; playtime?: number }
  file_item?: { file_name: string; len?: string }
  image_item?: Record<string, unknown>
}

export interface Upload {
  filekey: string
  mediaType: number
  bytes: Buffer
}

export interface IlinkSimulatorOptions {
  windowMs?: number
  maxPerOwnerMessage?: number
  /** How long a long poll is held when there is nothing to say. */
  holdMs?: number
  /** The sandbox's phone: every new QR is scanned after half this time and confirmed after all of it. */
  autoLoginMs?: number
  /** Told about every request a correct client would never make (the sandbox logs them). */
  onViolation?: (violation: string) => void
}

/** What a client kept from an earlier run of the simulator (the sandbox's saved login), so a restart resumes. */
export interface SimulatorResume {
  botToken?: string
  contextToken?: string
  lastInboundAt?: number
  sentSinceInbound?: number
  cursor?: string
}

export const OWNER_ID = 'o9cq80zJtPQ9@im.wechat'
export const BOT_ID = 'b5a1c2e3f4@im.bot'

const EXPECTED_CLIENT_VERSION = (() => {
  const [a = 0, b = 0, c = 0] = VERSION.split('.').map(Number)
  return String((a << 16) | (b << 8) | c)
})()

type QrState = 'wait' | 'scaned' | 'confirmed' | 'expired'

export class IlinkSimulator extends EventEmitter<{ request: [RecordedRequest]; change: [] }> {
  url = ''
  readonly requests: RecordedRequest[] = []
  readonly violations: string[] = []
  readonly sent: Array<{ clientId: string; item: Record<string, unknown> }> = []
  readonly uploads: Upload[] = []
  /** The token WeChat issued last; requests with any other are refused. */
  token?: string
  contextToken?: string
  qrIssued = 0
  private qr?: { id: string; state: QrState; told: QrState }
  private stale = false
  private failPolls = 0
  private seq = 0
  /** A new login starts a new update stream: nothing from before it, and an empty cursor is the right one. */
  private sessionStartSeq = 0
  private readonly inbox: Array<Record<string, unknown>> = []
  private lastCursor = ''
  private readonly clientIds = new Set<string>()
  private readonly uins = new Set<string>()
  private lastInboundAt?: number
  private sentSinceInbound = 0
  private clockOffset = 0
  private readonly pendingUploads = new Map<string, { key: Buffer; rawsize: number; md5: string; filesize: number; mediaType: number }>()
  private readonly sockets = new Set<Socket>()
  private readonly server = createServer((req, res) => void this.handle(req, res))
  private readonly options: IlinkSimulatorOptions & Required<Pick<IlinkSimulatorOptions, 'windowMs' | 'maxPerOwnerMessage' | 'holdMs'>>
  private readonly timers = new Set<NodeJS.Timeout>()

  constructor(options: IlinkSimulatorOptions = {}) {
    super()
    this.setMaxListeners(100)
    this.options = { windowMs: 24 * 3_600_000, maxPerOwnerMessage: 10, holdMs: 20_000, ...options }
    this.server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  static async start(options?: IlinkSimulatorOptions): Promise<IlinkSimulator> {
    const simulator = new IlinkSimulator(options)
    await simulator.listen()
    return simulator
  }

  /** Listens on a free port of 127.0.0.1 (once). */
  async listen(): Promise<void> {
    if (this.url) return
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** Picks up where an earlier run left off: the client's saved token, context and cursor are valid here too. */
  resume(saved: SimulatorResume): void {
    this.token = saved.botToken
    this.contextToken = saved.contextToken
    this.lastInboundAt = saved.lastInboundAt
    this.sentSinceInbound = saved.sentSinceInbound ?? 0
    this.lastCursor = saved.cursor ?? ''
    this.seq = Number(this.lastCursor.replace(/^buf-/, '')) || 0
    this.sessionStartSeq = this.seq
  }

  get cdnUrl(): string {
    return `${this.url}/c2c`
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    for (const s of this.sockets) s.destroy()
    if (!this.url) return
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  // ---- what the test does on the "phone" ----

  scan(): void {
    if (this.qr) this.qr.state = 'scaned'
    this.emit('change')
  }

  confirm(): void {
    if (this.qr) this.qr.state = 'confirmed'
    this.emit('change')
  }

  expireQr(): void {
    if (this.qr) this.qr.state = 'expired'
    this.emit('change')
  }

  /** The owner writes to ClawBot: a new context_token, the window opens again and the budget refills. */
  ownerSays(item: FakeItem | string, options: { createTimeMs?: number } = {}): string {
    const items = [typeof item === 'string' ? { type: 1, text_item: { text: item } } : item]
    this.contextToken = `ctx-${randomBytes(12).toString('hex')}`
    this.lastInboundAt = this.now()
    this.sentSinceInbound = 0
    const id = String(9_007_199_254_740_993n + BigInt(++this.seq))
    this.inbox.push({
      seq: this.seq,
      message_id: id,
      from_user_id: OWNER_ID,
      to_user_id: BOT_ID,
      create_time_ms: options.createTimeMs ?? Date.now(),
      message_type: 1,
      message_state: 2,
      context_token: this.contextToken,
      item_list: items,
    })
    this.emit('change')
    return id
  }

  /** The token goes stale: every authenticated request answers -14 from now on (a held long poll at once, unless told not to). */
  staleToken(options: { wakePolls?: boolean } = {}): void {
    this.stale = true
    if (options.wakePolls !== false) this.emit('change')
  }

  /** The next `n` long polls lose their connection. */
  failNextPolls(n: number): void {
    this.failPolls = n
  }

  /** The server's clock moves on (for the window it enforces). */
  advance(ms: number): void {
    this.clockOffset += ms
  }

  /** Resolves with the first request (already made or to come) on `path` that satisfies the predicate. */
  waitForRequest(path: string, predicate: (r: RecordedRequest) => boolean = () => true, after = 0): Promise<RecordedRequest> {
    const found = this.requests.slice(after).find((r) => r.path === path && predicate(r))
    if (found) return Promise.resolve(found)
    return new Promise((resolve) => {
      const onRequest = (r: RecordedRequest) => {
        if (r.path !== path || !predicate(r)) return
        this.off('request', onRequest)
        resolve(r)
      }
      this.on('request', onRequest)
    })
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length
  }

  // ---- the server ----

  private now(): number {
    return Date.now() + this.clockOffset
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const path = url.pathname
    let body: Record<string, unknown> = {}
    if (path.startsWith('/ilink/') && req.method === 'POST') {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
      } catch {
        this.violate(`${path}: body is not JSON`)
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path, query: url.searchParams, headers: req.headers, body }
    this.requests.push(recorded)
    this.emit('request', recorded)

    if (path === '/c2c/upload') return this.cdnUpload(req, url, raw, res)
    this.checkCommon(recorded)
    switch (path) {
      case '/ilink/bot/get_bot_qrcode':
        return this.getQrCode(recorded, res)
      case '/ilink/bot/get_qrcode_status':
        return this.getQrStatus(recorded, res)
      case '/ilink/bot/getupdates':
        return this.authed(recorded, res, () => this.getUpdates(recorded, res))
      case '/ilink/bot/sendmessage':
        return this.authed(recorded, res, () => this.sendMessage(recorded, res))
      case '/ilink/bot/getuploadurl':
        return this.authed(recorded, res, () => this.getUploadUrl(recorded, res))
      default:
        this.violate(`unknown endpoint ${req.method} ${path}`)
        res.writeHead(404).end()
    }
  }

  private checkCommon(r: RecordedRequest): void {
    if (r.headers['ilink-app-id'] !== 'bot') this.violate(`${r.path}: iLink-App-Id is ${String(r.headers['ilink-app-id'])}`)
    if (r.headers['ilink-app-clientversion'] !== EXPECTED_CLIENT_VERSION) {
      this.violate(`${r.path}: iLink-App-ClientVersion is ${String(r.headers['ilink-app-clientversion'])}, expected ${EXPECTED_CLIENT_VERSION}`)
    }
    if (r.method !== 'POST') return
    if (r.headers['content-type'] !== 'application/json') this.violate(`${r.path}: Content-Type is ${String(r.headers['content-type'])}`)
    const info = r.body.base_info as { channel_version?: unknown; bot_agent?: unknown } | undefined
    if (info?.channel_version !== VERSION || typeof info.bot_agent !== 'string' || !/^wechat-mcp\/\d+\.\d+\.\d+$/.test(info.bot_agent)) {
      this.violate(`${r.path}: base_info is ${JSON.stringify(info)}`)
    }
  }

  private authed(r: RecordedRequest, res: ServerResponse, then: () => void): void {
    const h = r.headers
    if (h.authorizationtype !== 'ilink_bot_token') this.violate(`${r.path}: AuthorizationType is ${String(h.authorizationtype)}`)
    const uin = typeof h['x-wechat-uin'] === 'string' ? Buffer.from(h['x-wechat-uin'], 'base64').toString('utf8') : ''
    if (!/^\d{1,10}$/.test(uin) || Number(uin) > 0xffffffff) this.violate(`${r.path}: X-WECHAT-UIN is not base64 of a decimal uint32`)
    else if (this.uins.has(uin)) this.violate(`${r.path}: X-WECHAT-UIN reused`)
    this.uins.add(uin)
    if (!this.token || h.authorization !== `Bearer ${this.token}`) {
      this.violate(`${r.path}: wrong or missing bot token`)
      return void json(res, { ret: -14, errcode: -14, errmsg: 'session timeout' })
    }
    if (this.stale) return void json(res, { ret: -14, errcode: -14, errmsg: 'session timeout' })
    then()
  }

  private getQrCode(r: RecordedRequest, res: ServerResponse): void {
    if (r.method !== 'POST' || r.query.get('bot_type') !== '3') this.violate(`get_bot_qrcode: ${r.method} bot_type=${r.query.get('bot_type')}`)
    const id = randomBytes(8).toString('hex')
    this.qr = { id, state: 'wait', told: 'wait' }
    this.qrIssued++
    this.emit('change')
    if (this.options.autoLoginMs !== undefined) {
      const qr = this.qr
      this.later(this.options.autoLoginMs / 2, () => this.qr === qr && this.scan())
      this.later(this.options.autoLoginMs, () => this.qr === qr && this.confirm())
    }
    json(res, { qrcode: id, qrcode_img_content: `https://liteapp.weixin.qq.com/q/sandbox?qrcode=${id}&bot_type=3` })
  }

  private violate(violation: string): void {
    this.violations.push(violation)
    this.options.onViolation?.(violation)
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      run()
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }

  private getQrStatus(r: RecordedRequest, res: ServerResponse): void {
    const id = r.query.get('qrcode')
    if (r.method !== 'GET') this.violate(`get_qrcode_status: ${r.method}`)
    if (!this.qr || id !== this.qr.id) {
      this.violate('get_qrcode_status: polled a QR code that is not the current one')
      return void json(res, { status: 'expired' })
    }
    // Held until there is news for this client: a state it has not been told yet.
    this.hold(res, () => this.qr !== undefined && this.qr.state !== this.qr.told, () => {
      const qr = this.qr
      if (!qr) return json(res, { status: 'expired' })
      qr.told = qr.state
      if (qr.state !== 'confirmed') return json(res, { status: qr.state })
      this.token = `tok-${randomBytes(16).toString('hex')}`
      this.stale = false
      this.lastCursor = ''
      this.sessionStartSeq = this.seq
      json(res, { status: 'confirmed', bot_token: this.token, ilink_bot_id: BOT_ID, ilink_user_id: OWNER_ID, baseurl: this.url })
      this.qr = undefined
    })
  }

  private getUpdates(r: RecordedRequest, res: ServerResponse): void {
    const cursor = r.body.get_updates_buf
    if (typeof cursor !== 'string') this.violate('getupdates: get_updates_buf missing')
    else if (cursor !== this.lastCursor) this.violate(`getupdates: cursor ${JSON.stringify(cursor)} is not the latest (${JSON.stringify(this.lastCursor)})`)
    if (this.failPolls > 0) {
      this.failPolls--
      return void res.socket?.destroy()
    }
    const after = Math.max(Number(String(cursor).replace(/^buf-/, '')) || 0, this.sessionStartSeq)
    const pending = () => this.inbox.filter((m) => (m.seq as number) > after)
    this.hold(res, () => pending().length > 0 || this.stale, () => {
      if (this.stale) return json(res, { ret: -14, errcode: -14, errmsg: 'session timeout' })
      const msgs = pending()
      const buf = msgs.length ? `buf-${msgs[msgs.length - 1].seq as number}` : String(cursor)
      this.lastCursor = buf
      json(res, { ret: 0, msgs, get_updates_buf: buf })
    })
  }

  private sendMessage(r: RecordedRequest, res: ServerResponse): void {
    const msg = (r.body.msg ?? {}) as Record<string, unknown>
    const clientId = msg.client_id
    if (typeof clientId !== 'string' || !clientId) this.violate('sendmessage: no client_id')
    else if (this.clientIds.has(clientId)) this.violate(`sendmessage: client_id ${clientId} reused`)
    else this.clientIds.add(clientId)
    if (msg.to_user_id !== OWNER_ID) this.violate(`sendmessage: to_user_id ${String(msg.to_user_id)} is not the owner`)
    if (msg.message_type !== 2 || msg.message_state !== 2) this.violate('sendmessage: message_type/message_state must be 2/2')
    const items = msg.item_list as Array<Record<string, unknown>> | undefined
    if (!Array.isArray(items) || items.length !== 1) {
      this.violate('sendmessage: item_list must hold one item')
      return void json(res, { ret: -1, errmsg: 'bad item_list' })
    }
    const item = items[0]
    const problem = this.checkItem(item)
    if (problem) {
      this.violate(`sendmessage: ${problem}`)
      return void json(res, { ret: -1, errmsg: problem })
    }
    if (!this.contextToken || msg.context_token !== this.contextToken) return void json(res, { ret: -2, errmsg: 'invalid context token' })
    if (this.lastInboundAt === undefined || this.now() - this.lastInboundAt >= this.options.windowMs) return void json(res, { ret: -2, errmsg: 'out of reply window' })
    if (this.sentSinceInbound >= this.options.maxPerOwnerMessage) return void json(res, { ret: -2, errmsg: 'reply quota exceeded' })
    this.sentSinceInbound++
    this.sent.push({ clientId: String(clientId), item })
    json(res, { ret: 0, message_id: String(7_000_000_000_000_000_001n + BigInt(this.sent.length)) })
  }

  private checkItem(item: Record<string, unknown>): string | undefined {
    if (item.type === 1) return typeof (item.text_item as { text?: unknown })?.text === 'string' ? undefined : 'text item without text'
    const media = ((item.file_item ?? item.image_item) as { media?: { encrypt_query_param?: string; aes_key?: string } } | undefined)?.media
    const upload = this.uploads.find((u) => `dl-${u.filekey}` === media?.encrypt_query_param)
    if (!upload) return 'media item does not reference a finished upload'
    const key = this.keys.get(upload.filekey)
    if (media?.aes_key !== Buffer.from(key ?? '').toString('base64')) return 'media aes_key is not base64 of the hex key used for the upload'
    if (item.type === 4) {
      const file = item.file_item as { file_name?: unknown; len?: unknown }
      if (typeof file.file_name !== 'string' || !file.file_name) return 'file item without file_name'
      if (file.len !== String(upload.bytes.length)) return `file item len ${String(file.len)} is not the plain size ${upload.bytes.length}`
      return upload.mediaType === 3 ? undefined : 'file item for an upload that was not a file'
    }
    if (item.type === 2) return upload.mediaType === 1 ? undefined : 'image item for an upload that was not an image'
    return `unexpected item type ${String(item.type)}`
  }

  private readonly keys = new Map<string, string>()

  private getUploadUrl(r: RecordedRequest, res: ServerResponse): void {
    const b = r.body as { filekey?: string; media_type?: number; to_user_id?: string; rawsize?: number; rawfilemd5?: string; filesize?: number; aeskey?: string }
    const problems = [
      !/^[0-9a-f]{32}$/.test(b.filekey ?? '') && 'filekey is not 16 random bytes in hex',
      ![1, 2, 3, 4].includes(b.media_type ?? 0) && 'media_type',
      b.to_user_id !== OWNER_ID && 'to_user_id is not the owner',
      !/^[0-9a-f]{32}$/.test(b.rawfilemd5 ?? '') && 'rawfilemd5',
      !/^[0-9a-f]{32}$/.test(b.aeskey ?? '') && 'aeskey is not 16 bytes in hex',
      b.filesize !== Math.ceil(((b.rawsize ?? -1) + 1) / 16) * 16 && 'filesize is not the PKCS#7-padded size of rawsize',
    ].filter(Boolean)
    if (problems.length) {
      this.violate(`getuploadurl: ${problems.join(', ')}`)
      return void json(res, { ret: -1, errmsg: 'bad upload request' })
    }
    this.pendingUploads.set(b.filekey!, { key: Buffer.from(b.aeskey!, 'hex'), rawsize: b.rawsize!, md5: b.rawfilemd5!, filesize: b.filesize!, mediaType: b.media_type! })
    this.keys.set(b.filekey!, b.aeskey!)
    const param = `up-${randomBytes(6).toString('hex')}`
    json(res, { ret: 0, upload_full_url: `${this.cdnUrl}/upload?encrypted_query_param=${param}&filekey=${b.filekey!}` })
  }

  private cdnUpload(req: IncomingMessage, url: URL, raw: Buffer, res: ServerResponse): void {
    const filekey = url.searchParams.get('filekey') ?? ''
    const pending = this.pendingUploads.get(filekey)
    const fail = (why: string) => {
      this.violate(`cdn upload: ${why}`)
      res.writeHead(400, { 'x-error-message': why }).end()
    }
    if (req.method !== 'POST') return fail(`method ${req.method}`)
    if (!pending) return fail('no getuploadurl announced this filekey')
    if (!url.searchParams.get('encrypted_query_param')) return fail('no encrypted_query_param')
    if (raw.length !== pending.filesize) return fail(`ciphertext is ${raw.length} bytes, announced ${pending.filesize}`)
    let plain: Buffer
    try {
      const decipher = createDecipheriv('aes-128-ecb', pending.key, null)
      plain = Buffer.concat([decipher.update(raw), decipher.final()])
    } catch {
      return fail('does not decrypt with the announced key (AES-128-ECB, PKCS#7)')
    }
    if (plain.length !== pending.rawsize) return fail(`plain size ${plain.length}, announced ${pending.rawsize}`)
    if (createHash('md5').update(plain).digest('hex') !== pending.md5) return fail('md5 of the decrypted bytes is not the announced one')
    this.pendingUploads.delete(filekey)
    this.uploads.push({ filekey, mediaType: pending.mediaType, bytes: plain })
    res.writeHead(200, { 'x-encrypted-param': `dl-${filekey}` }).end()
  }

  /** Answers when `ready()` turns true (checked on every change) or after holdMs, like a long poll. */
  private hold(res: ServerResponse, ready: () => boolean, answer: () => void): void {
    if (ready()) return answer()
    const done = () => {
      this.off('change', onChange)
      clearTimeout(timer)
      if (!res.writableEnded && !res.destroyed) answer()
    }
    const onChange = () => {
      if (ready()) done()
    }
    const timer = setTimeout(done, this.options.holdMs)
    this.on('change', onChange)
    res.on('close', () => {
      this.off('change', onChange)
      clearTimeout(timer)
    })
  }
}

function json(res: ServerResponse, body: unknown): void {
  if (res.destroyed) return
  // WeChat sends message ids as bare uint64 numbers, past what a JS number holds exactly.
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body).replace(/"message_id":"(\d+)"/g, '"message_id":$1'))
}
