import { createServer, type IncomingHttpHeaders } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import telegram, { telegramProxy } from '../../../src/notify/channels/telegram.js'
import { MESSAGE, sendThrough, startServer, type TestServer } from '../helpers.js'

let server: TestServer
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  await server?.close()
  for (const c of cleanups.splice(0)) await c()
})

/** A CONNECT proxy that records what it was asked and tunnels to the target. */
async function startProxy() {
  const seen: { target: string; headers: IncomingHttpHeaders }[] = []
  const sockets = new Set<Socket>()
  const proxy = createServer()
  proxy.on('connect', (req, client: Socket) => {
    seen.push({ target: req.url ?? '', headers: req.headers })
    const [host, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.pipe(client)
      client.pipe(upstream)
    })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
    }
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        proxy.close(() => resolve())
      }),
  )
  return { port: (proxy.address() as AddressInfo).port, seen }
}

describe('telegram', () => {
  it('POSTs sendMessage JSON under TG_API_HOST/bot{token}', async () => {
    server = await startServer({ json: { ok: true, result: { message_id: 1 } } })
    const result = await sendThrough(telegram, { TG_BOT_TOKEN: '123:ABCdef', TG_USER_ID: '42', TG_API_HOST: `${server.origin}/` })
    expect(result).toMatchObject({ channel: 'telegram', ok: true, status: 200 })
    const [req] = server.requests
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/bot123:ABCdef/sendMessage')
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.json).toEqual({ chat_id: '42', text: `${MESSAGE.title}\n\n${MESSAGE.content}`, disable_web_page_preview: true })
  })

  it('goes through TG_PROXY_HOST:PORT with TG_PROXY_AUTH', async () => {
    server = await startServer({ json: { ok: true } })
    const proxy = await startProxy()
    const result = await sendThrough(telegram, {
      TG_BOT_TOKEN: '123:ABCdef',
      TG_USER_ID: '42',
      TG_API_HOST: server.origin,
      TG_PROXY_HOST: '127.0.0.1',
      TG_PROXY_PORT: String(proxy.port),
      TG_PROXY_AUTH: 'alice:pa55word',
    })
    expect(result.ok).toBe(true)
    expect(proxy.seen).toHaveLength(1)
    expect(proxy.seen[0].target).toBe(`127.0.0.1:${server.port}`)
    expect(proxy.seen[0].headers['proxy-authorization']).toBe(`Basic ${Buffer.from('alice:pa55word').toString('base64')}`)
    expect(server.requests).toHaveLength(1)
  })

  it('builds the proxy URL only when host and port are both set, without doubling credentials', () => {
    expect(telegramProxy({ TG_PROXY_HOST: 'p' })).toBeUndefined()
    expect(telegramProxy({ TG_PROXY_HOST: 'p', TG_PROXY_PORT: '8080' })).toBe('http://p:8080')
    expect(telegramProxy({ TG_PROXY_HOST: 'u:x@p', TG_PROXY_PORT: '1', TG_PROXY_AUTH: 'a:b' })).toBe('http://u:x@p:1')
  })

  it('fails on ok:false and explains a 400, without echoing the token', async () => {
    server = await startServer({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } })
    const result = await sendThrough(telegram, { TG_BOT_TOKEN: '123:ABCdefSecret', TG_USER_ID: '42', TG_API_HOST: server.origin })
    expect(result).toMatchObject({ ok: false, status: 400 })
    expect(result.error).toContain('chat not found')
    expect(result.error).toContain('TG_USER_ID')
  })
})
