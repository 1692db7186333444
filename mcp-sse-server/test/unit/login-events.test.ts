/**
 * /login/events in process: a client that goes away, even before its stream is set up, leaves no dead stream behind,
 * so the cap on open streams never locks everyone out.
 */
import { EventEmitter } from 'node:events'
import type { Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import express from 'express'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { loginPage } from '../../src/http/login-page.js'
import type { RoadState as LoginState } from '../../src/roads/road.js'

// Drawing a QR takes a while here, so a client can hang up while the stream is being set up (the window to test).
vi.mock('qrcode', () => ({
  default: { toString: () => new Promise<string>((resolve) => setTimeout(() => resolve('<svg/>'), 20)) },
}))

const config = (() => {
  const result = loadConfig({ WECHATY_PUPPET: 'mock' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config as Config
})()

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

async function start(maxStreams?: number) {
  let qrs = 0
  const roads = Object.assign(new EventEmitter(), {
    // A new QR each time, so none is drawn from the cache.
    list: () => [{ id: 'web', title: 'WeChat', state: state() }],
    loginPageUrl: '/login',
  })
  const state = (): LoginState => ({ status: 'waiting_for_scan', qr: `https://login.weixin.qq.com/l/${++qrs}`, since: new Date().toISOString() })
  const app = express()
  app.use(loginPage({ config, roads: roads as never, ...(maxStreams !== undefined ? { maxStreams } : {}) }))
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  return (server.address() as AddressInfo).port
}

/** Sends the request and hangs up at once, without waiting for any answer. */
function openAndAbort(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end('GET /login/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
      socket.destroy()
    })
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
}

/** Opens a stream and reads it until its first state event. */
async function firstEvent(port: number): Promise<{ status: number; event?: string; close: () => void }> {
  const controller = new AbortController()
  const res = await fetch(`http://127.0.0.1:${port}/login/events`, { signal: controller.signal })
  if (res.status !== 200) return { status: res.status, close: () => controller.abort() }
  const reader = res.body!.getReader()
  let text = ''
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value)
  return { status: res.status, event: text, close: () => controller.abort() }
}

describe('/login/events', () => {
  it('forgets streams whose client hung up, however early, and keeps the cap', async () => {
    const port = await start(3)
    await Promise.all(Array.from({ length: 20 }, () => openAndAbort(port)))
    // Every hung-up stream is gone: the three a cap of 3 allows all open, and the fourth is refused.
    await expect.poll(async () => {
      const s = await firstEvent(port)
      s.close()
      return s.status
    }, { timeout: 10_000 }).toBe(200)
    const open = [await firstEvent(port), await firstEvent(port), await firstEvent(port)]
    expect(open.map((s) => s.status)).toEqual([200, 200, 200])
    expect(open[0].event).toContain('"status":"waiting_for_scan"')
    const fourth = await firstEvent(port)
    expect(fourth.status).toBe(503)
    for (const s of open) s.close()
    await expect.poll(async () => {
      const s = await firstEvent(port)
      s.close()
      return s.status
    }, { timeout: 10_000 }).toBe(200)
  })
})
