/** Raw HTTP for attack tests: full control over Host, Origin and bodies (fetch forbids some of them), 127.0.0.1 only. */
import { request } from 'node:http'
import { initialize, POST_HEADERS } from '../helpers/raw-mcp.js'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => any
}

export interface RawRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** For event streams: resolve as soon as the headers arrive, then hang up. */
  streamFirstChunk?: boolean
  /** Another loopback source address (127.x.y.z): the server counts wrong tokens per client address. */
  localAddress?: string
}

export function raw(port: number, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port, agent: false, localAddress: req.localAddress, method: req.method ?? 'GET', path: req.path, headers: { connection: 'close', ...req.headers } },
      (res) => {
        let body = ''
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body),
          })
        res.setEncoding('utf8')
        if (req.streamFirstChunk && res.headers['content-type']?.startsWith('text/event-stream')) {
          done()
          r.destroy()
          return
        }
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', done)
        res.on('error', reject)
      },
    )
    r.on('error', reject)
    if (req.body !== undefined) r.end(req.body)
    else r.end()
  })
}

/** Opens a legacy SSE stream and returns its session id (from the `endpoint` event) and a way to close it. */
export function openSse(port: number, headers: Record<string, string> = {}): Promise<{ sessionId: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, agent: false, path: '/sse', headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET /sse answered ${res.statusCode}`))
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        const m = buf.match(/sessionId=([\w-]+)/)
        if (m) resolve({ sessionId: m[1], close: () => r.destroy() })
      })
    })
    r.on('error', reject)
    r.end()
  })
}

export const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', ...initialize('attack-test') })

/** Headers a Streamable HTTP client sends with every POST. */
export const STREAMABLE_HEADERS = POST_HEADERS
