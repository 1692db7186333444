/**
 * A download that hangs is refused at its timeout, whether the server never answers or stops halfway through the
 * body, and the connection is dropped. The timeout is the loader's `timeoutMs` (60 s, DOWNLOAD_TIMEOUT_MS, when the
 * tools call it); a second here keeps the test quick.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOWNLOAD_TIMEOUT_MS, loadFromUrl } from '../../src/wechat/files.js'

const MB = 1024 * 1024
let server: Server
let base: string
const requests: string[] = []
/** Resolves with the server side of each request's connection once it is closed. */
const closed = new Map<string, Promise<void>>()

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? ''
    requests.push(path)
    const socket: Socket = req.socket
    closed.set(path, once(socket, 'close').then(() => undefined))
    if (path.startsWith('/silent')) return // never answers
    if (path.startsWith('/stalls')) {
      // Headers and the start of a PDF, then nothing more.
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(MB / 2) })
      res.write(Buffer.from('%PDF-1.4\n'))
      return
    }
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
})

describe('a download that hangs', () => {
  it('the tools use a 60 s timeout', () => {
    expect(DOWNLOAD_TIMEOUT_MS).toBe(60_000)
  })

  it.each([
    ['a server that never answers', '/silent/report.pdf?sig=hidden'],
    ['a body that stops halfway', '/stalls/report.pdf?sig=hidden'],
  ])('%s: refused at the timeout, the query kept out of the message, and the connection dropped', async (_name, path) => {
    const result = await loadFromUrl(`${base}${path}`, { maxBytes: MB, allowPrivateUrls: true, timeoutMs: 1_000 })
    expect(result).toEqual({
      ok: false,
      code: 'file_refused',
      detail: `Downloading ${base}${path.split('?')[0]}?… took longer than 1 s and was stopped. Try again later, or send the link as text.`,
    })
    expect(requests).toContain(path)
    // The server sees its connection closed: nothing is left hanging on either side.
    await closed.get(path)
  })
})
