/** A local HTTP server standing in for a notification channel: it records every request it gets. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Notifier, NotifyReport, NotifyRequest } from '../../src/notify/types.js'

export interface ReceivedRequest {
  method: string
  url: string
  body: string
}

export interface ChannelServer {
  url: string
  received: ReceivedRequest[]
  /** Resolves when the server has received `count` requests. */
  waitFor(count: number): Promise<ReceivedRequest[]>
  close(): Promise<void>
}

export async function startChannelServer(): Promise<ChannelServer> {
  const received: ReceivedRequest[] = []
  const waiters: Array<() => void> = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}')
      for (const w of waiters.splice(0)) w()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const waitFor = (count: number): Promise<ReceivedRequest[]> =>
    new Promise((resolve) => {
      const check = () => (received.length >= count ? resolve(received) : waiters.push(check))
      check()
    })
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** The smallest Notifier with one channel that POSTs JSON to a URL (until the channel fan-out is on this branch). */
export function httpNotifier(url: string, channelIds = ['local']): Notifier & { requests: NotifyRequest[] } {
  const requests: NotifyRequest[] = []
  return {
    requests,
    configuredChannels: () => channelIds,
    status: () => ({ on: channelIds, halfConfigured: [] }),
    async send(request): Promise<NotifyReport> {
      requests.push(request)
      const started = Date.now()
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: request.title, content: request.content }) })
      return { results: [{ channel: 'local', ok: res.status === 200, status: res.status, durationMs: Date.now() - started }] }
    },
  }
}
