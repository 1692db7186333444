/** Tiny valid files and a local HTTP server that serves them (and the kinds of answers a file send must refuse). */
import { createServer, type Server } from 'node:http'
import { listenLocal } from './listen.js'

/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

/** A one-page PDF with a correct cross-reference table. */
export const PDF = (() => {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>',
  ]
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(body.length)
    body += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
})()

export interface FileServer {
  url: string
  port: number
  /** Paths requested so far. */
  hits: string[]
  close: () => Promise<void>
}

/**
 * /pixel.png, /report.pdf, /download (a PDF as octet-stream with a Content-Disposition name), /page (HTML),
 * /disguised.bin (HTML sent as octet-stream), /big.bin (2 MB, no Content-Length: the cap must hold while streaming),
 * /big-declared.pdf (2 MB with Content-Length), /script.js (a type that is not a file to send), /missing (404),
 * /redirect?to=URL (302 to URL), /chain?n=N (N redirects, then the PNG).
 */
export async function startFileServer(): Promise<FileServer> {
  const hits: string[] = []
  const big = Buffer.alloc(2 * 1024 * 1024, 0x25)
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    const send = (type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, ...headers })
      res.end(body)
    }
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://x')
    switch (pathname) {
      case '/pixel.png':
        return send('image/png', PNG)
      case '/report.pdf':
        return send('application/pdf', PDF)
      case '/download':
        return send('application/octet-stream', PDF, { 'content-disposition': 'attachment; filename="Q3 report.pdf"' })
      case '/page':
        return send('text/html; charset=utf-8', '<!doctype html><html><body>Please log in</body></html>')
      case '/disguised.bin':
        return send('application/octet-stream', '<html><body>Please log in</body></html>', { 'content-disposition': 'attachment; filename="x.pdf"' })
      case '/big.bin': {
        res.writeHead(200, { 'content-type': 'application/pdf' }) // chunked: no length announced
        let sent = 0
        const pump = () => {
          while (sent < big.length) {
            const chunk = big.subarray(sent, sent + 64 * 1024)
            sent += chunk.length
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          res.end()
        }
        res.on('error', () => undefined)
        return pump()
      }
      case '/big-declared.pdf':
        return send('application/pdf', big, { 'content-length': String(big.length) })
      case '/redirect':
        res.writeHead(302, { location: searchParams.get('to') ?? '/' })
        return res.end('moved')
      case '/chain': {
        const n = Number(searchParams.get('n') ?? 0)
        if (n <= 0) return send('image/png', PNG)
        res.writeHead(302, { location: `/chain?n=${n - 1}` })
        return res.end()
      }
      case '/script.js':
        return send('application/javascript', 'alert(1)')
      default:
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('not found')
    }
  })
  const { origin, port, close } = await listenLocal(server)
  return { url: origin, port, hits, close }
}
