/**
 * A small client for the iLink bot API: the headers and `base_info` every request needs, timeouts, and one rule
 * above all: an answer whose `ret` or `errcode` is not 0 is a failure (IlinkApiError), never a success. Error texts
 * never carry the bot token, the context token or a request body.
 */
import { randomBytes } from 'node:crypto'
import type {
  Answer,
  BaseInfo,
  QrCodeAnswer,
  QrStatusAnswer,
  SendAnswer,
  UpdatesAnswer,
  UploadUrlAnswer,
  WireMessage,
} from './protocol.js'
import { BOT_TYPE } from './protocol.js'

/** WeChat refused: `ret`/`errcode` ≠ 0. */
export class IlinkApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly code: number,
    errmsg: string | undefined,
  ) {
    super(`iLink ${endpoint} refused (ret ${code}${errmsg ? `: ${errmsg.slice(0, 200)}` : ''})`)
  }
}

/** WeChat could not be reached, or answered with an HTTP error or something that is not JSON. */
export class IlinkNetworkError extends Error {
  constructor(
    readonly endpoint: string,
    detail: string,
  ) {
    super(`iLink ${endpoint} failed: ${detail}`)
  }
}

export interface IlinkClientOptions {
  baseUrl: string
  cdnUrl: string
  /** Our version (x.y.z): sent as iLink-App-ClientVersion and in base_info. */
  version: string
  /** Per request, except the long polls (default 15 s). */
  timeoutMs?: number
}

export interface UploadUrlRequest {
  filekey: string
  media_type: number
  to_user_id: string
  rawsize: number
  rawfilemd5: string
  filesize: number
  /** Hex spelling of the 16-byte AES key. */
  aeskey: string
}

const DEFAULT_TIMEOUT_MS = 15_000
/** The server holds a long poll up to ~35 s; a client-side timeout just past it is a normal empty answer. */
export const LONG_POLL_MS = 35_000
/** uint64 ids lose digits as JS numbers: read them as strings. */
const LOSSLESS_IDS = /"(message_id|msg_id|svr_id)"(\s*:\s*)(-?\d+)/g

/** 0x00MMNNPP as a decimal string, as WeChat expects. */
export function clientVersionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => parseInt(p, 10) || 0)
  return ((major & 0xff) << 16) | ((minor & 0xff) << 8) | (patch & 0xff)
}

/** X-WECHAT-UIN: base64 of the decimal spelling of a random uint32, fresh per request. */
export function randomUin(): string {
  return Buffer.from(String(randomBytes(4).readUInt32BE(0)), 'utf8').toString('base64')
}

export class IlinkClient {
  baseUrl: string
  cdnUrl: string
  /** Set once logged in; sent only in the Authorization header. */
  token?: string
  private readonly timeoutMs: number
  private readonly baseInfo: BaseInfo
  private readonly commonHeaders: Record<string, string>

  constructor(options: IlinkClientOptions) {
    this.baseUrl = options.baseUrl
    this.cdnUrl = options.cdnUrl
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.baseInfo = { channel_version: options.version, bot_agent: `wechat-mcp/${options.version}` }
    this.commonHeaders = { 'iLink-App-Id': 'bot', 'iLink-App-ClientVersion': String(clientVersionNumber(options.version)) }
  }

  /** A new login QR: its id (to poll) and the content to render. */
  async getQrCode(signal?: AbortSignal): Promise<{ qrcode: string; content: string }> {
    const answer = await this.post<QrCodeAnswer>(`ilink/bot/get_bot_qrcode?bot_type=${BOT_TYPE}`, { local_token_list: [] }, { signal, auth: false })
    if (!answer.qrcode || !answer.qrcode_img_content) throw new IlinkNetworkError('get_bot_qrcode', 'the answer has no QR code')
    return { qrcode: answer.qrcode, content: answer.qrcode_img_content }
  }

  /** Long-polls the QR's state; a client-side timeout is "still waiting". */
  async getQrStatus(qrcode: string, pollBaseUrl: string, signal?: AbortSignal): Promise<QrStatusAnswer> {
    const url = new URL(`ilink/bot/get_qrcode_status?qrcode=${encodeURIComponent(qrcode)}`, withSlash(pollBaseUrl))
    const answer = await this.request<QrStatusAnswer>('get_qrcode_status', url, { method: 'GET', headers: this.commonHeaders }, LONG_POLL_MS, signal, true)
    return answer ?? { status: 'wait' }
  }

  /** Long-polls for new messages after `cursor`; a client-side timeout is an empty answer with the same cursor. */
  async getUpdates(cursor: string, timeoutMs: number, signal?: AbortSignal): Promise<UpdatesAnswer> {
    const answer = await this.post<UpdatesAnswer>('ilink/bot/getupdates', { get_updates_buf: cursor }, { signal, timeoutMs, idleIsEmpty: true, check: false })
    return answer ?? { ret: 0, msgs: [], get_updates_buf: cursor }
  }

  async sendMessage(msg: WireMessage, signal?: AbortSignal): Promise<SendAnswer> {
    return this.post<SendAnswer>('ilink/bot/sendmessage', { msg }, { signal })
  }

  async getUploadUrl(request: UploadUrlRequest, signal?: AbortSignal): Promise<UploadUrlAnswer> {
    return this.post<UploadUrlAnswer>('ilink/bot/getuploadurl', { ...request, no_need_thumb: true }, { signal })
  }

  /** POSTs the encrypted bytes to the CDN; answers the download parameter the message must reference. */
  async uploadToCdn(url: string, cipherText: Buffer, signal?: AbortSignal): Promise<string> {
    const init: RequestInit = { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(cipherText) }
    const response = await this.fetchWithTimeout('cdn upload', new URL(url), init, this.timeoutMs * 4, signal)
    if (!response) throw new IlinkNetworkError('cdn upload', `no answer within ${(this.timeoutMs * 4) / 1000} s`)
    await response.arrayBuffer().catch(() => undefined)
    if (response.status !== 200) {
      const reason = response.headers.get('x-error-message')
      throw new IlinkNetworkError('cdn upload', `HTTP ${response.status}${reason ? ` (${reason.slice(0, 200)})` : ''}`)
    }
    const param = response.headers.get('x-encrypted-param')
    if (!param) throw new IlinkNetworkError('cdn upload', 'the CDN did not say where the file is (no x-encrypted-param)')
    return param
  }

  private async post<T extends Answer>(
    path: string,
    body: Record<string, unknown>,
    options: { signal?: AbortSignal; auth?: boolean; timeoutMs?: number; idleIsEmpty?: boolean; check?: boolean },
  ): Promise<T> {
    const endpoint = path.replace(/^ilink\/bot\//, '').replace(/\?.*$/, '')
    const headers: Record<string, string> = { ...this.commonHeaders, 'Content-Type': 'application/json' }
    if (options.auth !== false) {
      if (!this.token) throw new IlinkNetworkError(endpoint, 'not logged in')
      headers.AuthorizationType = 'ilink_bot_token'
      headers.Authorization = `Bearer ${this.token}`
      headers['X-WECHAT-UIN'] = randomUin()
    }
    const init: RequestInit = { method: 'POST', headers, body: JSON.stringify({ ...body, base_info: this.baseInfo }) }
    const url = new URL(path, withSlash(this.baseUrl))
    const answer = await this.request<T>(endpoint, url, init, options.timeoutMs ?? this.timeoutMs, options.signal, options.idleIsEmpty ?? false)
    if (answer && options.check !== false) assertOk(endpoint, answer)
    return answer as T
  }

  /** Undefined only when `idleIsEmpty` and the client-side timeout passed (a quiet long poll). */
  private async request<T>(endpoint: string, url: URL, init: RequestInit, timeoutMs: number, signal: AbortSignal | undefined, idleIsEmpty: boolean): Promise<T | undefined> {
    const response = await this.fetchWithTimeout(endpoint, url, init, timeoutMs, signal)
    if (!response) {
      if (idleIsEmpty) return undefined
      throw new IlinkNetworkError(endpoint, `no answer within ${timeoutMs / 1000} s`)
    }
    const text = await response.text().catch((err: unknown) => {
      throw new IlinkNetworkError(endpoint, `the answer was cut off (${describe(err)})`)
    })
    if (!response.ok) throw new IlinkNetworkError(endpoint, `HTTP ${response.status}`)
    try {
      return JSON.parse(text.replace(LOSSLESS_IDS, '"$1"$2"$3"')) as T
    } catch {
      throw new IlinkNetworkError(endpoint, 'the answer is not JSON')
    }
  }

  /** Resolves undefined on the client-side timeout; throws IlinkNetworkError on network trouble, AbortError when the caller aborts. */
  private async fetchWithTimeout(endpoint: string, url: URL, init: RequestInit, timeoutMs: number, signal?: AbortSignal): Promise<Response | undefined> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    try {
      return await fetch(url, { ...init, signal: combined })
    } catch (err) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError')
      if (timeout.aborted) return undefined
      throw new IlinkNetworkError(endpoint, describe(err))
    }
  }
}

export function assertOk(endpoint: string, answer: Answer): void {
  const code = answer.ret || answer.errcode
  if (code) throw new IlinkApiError(endpoint, code, answer.errmsg)
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

/** The network cause in a few words (undici hides it in `cause`); never a URL with its query. */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))
}
