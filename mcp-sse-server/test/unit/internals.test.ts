/**
 * The private internals src/internals.ts reaches into, checked against the installed packages: when an upgrade
 * moves one, this fails and says which, instead of a patch silently becoming a no-op.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import * as z from 'zod'
import { injectCancellation, replaceMockMessageSend, sdkRequestHandlers, wechat4uBotData } from '../../src/internals.js'

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Where node resolves a package from this package: its own node_modules first, then the workspace root's. */
const pkgDir = (name: string) =>
  [path.join(packageDir, 'node_modules', name), path.join(packageDir, '..', 'node_modules', name)].find((d) => existsSync(path.join(d, 'package.json')))!
const versionOf = (name: string) => (JSON.parse(readFileSync(path.join(pkgDir(name), 'package.json'), 'utf8')) as { version: string }).version
const pinned = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }

describe('private internals (src/internals.ts)', () => {
  it('the packages they belong to are pinned exactly, to the installed versions', () => {
    for (const name of ['@modelcontextprotocol/sdk', 'wechaty-puppet-wechat4u', 'wechaty-puppet-mock']) {
      expect(pinned.dependencies[name], `${name} must be pinned (no ^ or ~) in package.json`).toMatch(/^\d+\.\d+\.\d+$/)
      expect(versionOf(name), name).toBe(pinned.dependencies[name])
    }
  })

  it('SDK: the Server keeps its request handlers in the private map _requestHandlers (typescript-sdk #2284)', () => {
    const server = new McpServer({ name: 't', version: '1' })
    server.registerTool('t', { inputSchema: { a: z.string() } }, async () => ({ content: [] }))
    const handlers = sdkRequestHandlers(server.server)
    expect(handlers, 'Server._requestHandlers is gone: answerBadParamsAsInvalidParams in src/mcp/server.ts is now a no-op').toBeInstanceOf(Map)
    expect([...handlers!.keys()]).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']))
  })

  it('SDK: a connected transport takes a notifications/cancelled through onmessage', async () => {
    const server = new McpServer({ name: 't', version: '1' })
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
    expect(injectCancellation(transport, 1, 'x')).toBe(false)
    await server.connect(transport)
    expect(injectCancellation(transport, 1, 'the client disconnected'), 'the SDK no longer sets transport.onmessage').toBe(true)
    await server.close()
  })

  it('wechat4u: the live session is wechat4u.botData (with PROP.uin), and the puppet keeps it at this.wechat4u', async () => {
    const puppetSource = readFileSync(path.join(pkgDir('wechaty-puppet-wechat4u'), 'dist/esm/src/puppet-wechat4u.js'), 'utf8')
    expect(puppetSource, 'wechaty-puppet-wechat4u no longer keeps its client at this.wechat4u').toContain('this.wechat4u = new Wechat4u')
    // wechat4u ships no types; only the two fields read here matter.
    const wechat4uEntry = path.join(pkgDir('wechat4u'), 'lib/wechat.js')
    const { default: Wechat4u } = (await import(wechat4uEntry)) as { default: new () => { botData: unknown; PROP: Record<string, unknown> } }
    const client = new Wechat4u()
    expect(client.botData, 'wechat4u has no botData').toEqual(expect.objectContaining({ PROP: expect.any(Object) }))
    expect(wechat4uBotData({ wechat4u: client }), 'no uin yet: not a session to save').toBeUndefined()
    client.PROP.uin = 42
    expect(wechat4uBotData({ wechat4u: client })).toEqual({ botData: client.botData })
  })

  it('mock puppet: every send goes through the private _messageSend', async () => {
    const { PuppetMock } = await import('wechaty-puppet-mock')
    const puppet = new PuppetMock()
    const sent: string[] = []
    replaceMockMessageSend(puppet, async (id) => void sent.push(id))
    await (puppet as unknown as { messageSendText(id: string, text: string): Promise<void> }).messageSendText('room-1', 'hi')
    expect(sent, 'messageSendText no longer goes through _messageSend').toEqual(['room-1'])
    expect(() => replaceMockMessageSend({}, async () => {})).toThrow(/_messageSend/)
  })
})
