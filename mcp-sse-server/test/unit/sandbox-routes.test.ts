import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { sandboxRoutes, type SandboxRouteDeps } from '../../src/http/sandbox-routes.js'

const TOKEN = 'a-test-token-of-enough-length'
let server: Server | undefined
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

function config(env: Record<string, string>): Config {
  const result = loadConfig(env, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config
}

/** The route alone on a local port, with a fake bot that records what it was asked to say. */
async function serve(cfg: Config, owner?: SandboxRouteDeps['owner']): Promise<{ url: string; said: unknown[] }> {
  const said: unknown[] = []
  const sandbox = {
    inbound: (from: string, text: string, room?: string) => (said.push({ from, text, room }), { ok: true as const }),
    ownerTypes: (text: string) => (said.push({ from: 'me', text }), { ok: true as const }),
  }
  const app = express()
  app.use(sandboxRoutes({ config: cfg, roads: { isLoggedIn: () => true }, sandbox: () => sandbox, owner }))
  server = createServer(app)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, said }
}

const post = (url: string, body: unknown, token?: string) =>
  fetch(`${url}/sandbox/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })

describe('POST /sandbox/messages', () => {
  it('does not exist with a real puppet', async () => {
    const { url, said } = await serve(config({ WECHATY_PUPPET: 'wechaty-puppet-wechat4u' }))
    expect((await post(url, { from: 'Bob', text: 'hi' })).status).toBe(404)
    expect(said).toEqual([])
  })

  it('is behind the token when one is set', async () => {
    const { url, said } = await serve(config({ WECHATY_PUPPET: 'mock', MCP_AUTH_TOKEN: TOKEN }))
    expect((await post(url, { from: 'Bob', text: 'hi' })).status).toBe(401)
    expect((await post(url, { from: 'Bob', text: 'hi' }, 'wrong-token-wrong-token')).status).toBe(401)
    const ok = await post(url, { from: 'Bob', room: 'Family', text: 'hi' }, TOKEN)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ ok: true })
    expect(said).toEqual([{ from: 'Bob', room: 'Family', text: 'hi' }])
  })

  it('explains a malformed body', async () => {
    const { url } = await serve(config({ WECHATY_PUPPET: 'mock' }))
    const res = await post(url, { text: '' })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatch(/from.*text|text.*from/s)
  })

  it('makes "me" the owner writing on the owner road, and says why when there is none', async () => {
    const onFileHelper = await serve(config({ WECHATY_PUPPET: 'mock' }), { road: () => ({ ok: true, road: 'filehelper' }) })
    expect((await post(onFileHelper.url, { from: 'me', text: 'yes' })).status).toBe(200)
    const inRoom = await post(onFileHelper.url, { from: 'me', room: 'Family', text: 'yes' })
    expect(inRoom.status).toBe(400)
    expect(onFileHelper.said).toEqual([{ from: 'me', text: 'yes' }])
    server!.close()

    const noRoad = await serve(config({ WECHATY_PUPPET: 'mock' }), { road: () => ({ ok: false, code: 'road_unavailable', detail: 'WECHAT_OWNER_ROAD=ilink, but the iLink (ClawBot) road is off.' }) })
    const refused = await post(noRoad.url, { from: 'me', text: 'yes' })
    expect(refused.status).toBe(409)
    expect((await refused.json()).error).toContain('road is off')
    expect(noRoad.said).toEqual([])
  })
})
