import * as z from 'zod'
import { afterEach, describe, expect, it } from 'vitest'
import { createNotifier } from '../../src/notify/notifier.js'
import type { ToolDeps } from '../../src/tools/lib/define.js'
import notifyEvent from '../../src/tools/notify-event.js'
import notifySend from '../../src/tools/notify-send.js'
import { configFrom, silentLogger, startServer, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function deps(env: Record<string, string>): ToolDeps {
  const config = configFrom(env)
  const logger = silentLogger(config)
  return { config, logger, notifier: createNotifier({ config, logger }), sender: undefined as never, inbox: undefined as never, directory: undefined as never, roads: undefined as never, owner: undefined as never }
}
const extra = {} as never
const textOf = (r: { content: unknown }) => (r.content as { text: string }[])[0].text

describe('notify tools', () => {
  for (const tool of [notifySend, notifyEvent]) {
    it(`${tool.name}: annotations of a send tool, described input, and an output schema`, () => {
      expect(tool.annotations).toEqual({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true })
      expect(tool.title).toBeTruthy()
      expect(tool.description.length).toBeGreaterThan(100)
      for (const field of Object.values(tool.inputSchema)) expect((field as z.ZodType).description).toBeTruthy()
      expect(Object.keys(tool.outputSchema)).toEqual(['outcome', 'skipped', 'delivered', 'failed', 'results', 'halfConfigured'])
    })
  }

  it('notify_send: per-channel results in structuredContent that match the output schema', async () => {
    server = await startServer((req) => (req.path === '/robot/send' ? { json: { errcode: 0 } } : { json: { errcode: 93000, errmsg: 'bad key' } }))
    const d = deps({ DD_BOT_TOKEN: 'tok1', DD_ORIGIN: server.origin, QYWX_KEY: 'key1', QYWX_ORIGIN: server.origin })
    const result = await notifySend.handler({ title: 'Hi', content: 'there' }, d, extra)
    expect(result.isError).toBeUndefined()
    const structured = z.object(notifySend.outputSchema).parse(result.structuredContent)
    expect(structured).toMatchObject({ outcome: 'delivered', delivered: 1, failed: 1 })
    expect(structured.results.map((r) => [r.channel, r.ok])).toEqual([['dingtalk', true], ['wecom-bot', false]])
    expect(textOf(result)).toContain('Delivered to 1 of 2')
    expect(textOf(result)).toContain('✗ wecom-bot')
  })

  it('notify_send: isError when every channel failed', async () => {
    server = await startServer({ status: 500, text: 'down' })
    const result = await notifySend.handler({ title: 'Hi', content: 'x' }, deps({ DD_BOT_TOKEN: 'tok1', DD_ORIGIN: server.origin }), extra)
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ outcome: 'all-failed', delivered: 0, failed: 1 })
  })

  it('notify_send: isError when nothing is configured, saying which variables to set and where the docs are', async () => {
    const result = await notifySend.handler({ title: 'Hi', content: 'x' }, deps({}), extra)
    expect(result.isError).toBe(true)
    expect(textOf(result)).toContain('TG_BOT_TOKEN')
    expect(textOf(result)).toContain('docs/channels.md')
    expect(result.structuredContent).toMatchObject({ outcome: 'none-configured', results: [] })
  })

  it('notify_send: names half-configured channels and what they miss, in the text and in structuredContent', async () => {
    server = await startServer({ json: { errcode: 0 } })
    const d = deps({ DD_BOT_TOKEN: 'tok1', DD_ORIGIN: server.origin, TG_BOT_TOKEN: '1:abcdef', SMTP_SERVER: 'smtp.qq.com:465' })
    const result = await notifySend.handler({ title: 'Hi', content: 'x' }, d, extra)
    const structured = z.object(notifySend.outputSchema).parse(result.structuredContent)
    expect(structured).toMatchObject({ outcome: 'delivered', delivered: 1 })
    expect(structured.halfConfigured).toEqual([
      { channel: 'telegram', set: ['TG_BOT_TOKEN'], missing: ['TG_USER_ID'] },
      { channel: 'smtp', set: ['SMTP_SERVER'], missing: ['SMTP_EMAIL', 'SMTP_PASSWORD'] },
    ])
    expect(textOf(result)).toContain('! telegram is half-configured: TG_BOT_TOKEN is set but TG_USER_ID is missing')
    expect(textOf(result)).toContain('! smtp is half-configured: SMTP_SERVER is set but SMTP_EMAIL and SMTP_PASSWORD are missing')
    // Names only: the token itself is never repeated.
    expect(JSON.stringify(result)).not.toContain('1:abcdef')
  })

  it('notify_event: renders and sends; a type filtered by NOTIFY_EVENTS is skipped, not an error', async () => {
    server = await startServer({ json: { errcode: 0 } })
    const d = deps({ DD_BOT_TOKEN: 'tok1', DD_ORIGIN: server.origin, NOTIFY_EVENTS: 'end,error' })
    const sent = await notifyEvent.handler({ run_id: 'run-42', event: 'end', message: 'done', data: { tests: 3 } }, d, extra)
    expect(sent.isError).toBeUndefined()
    const content = (server.requests[0].json as { text: { content: string } }).text.content
    expect(content).toMatch(/^✅ end · run-42\n\ndone\n\ntests: 3\n\ntime: /)

    const skipped = await notifyEvent.handler({ run_id: 'run-42', event: 'update', message: 'half' }, d, extra)
    expect(skipped.isError).toBeUndefined()
    expect(skipped.structuredContent).toMatchObject({ outcome: 'skipped' })
    expect(server.requests).toHaveLength(1)
  })

  it('input schemas refuse what they should', () => {
    const send = z.object(notifySend.inputSchema)
    expect(send.safeParse({ title: '', content: 'x' }).success).toBe(false)
    expect(send.safeParse({ title: 't', content: 'x'.repeat(10_001) }).success).toBe(false)
    expect(send.safeParse({ title: 't', content: 'x', channels: [] }).success).toBe(false)
    const event = z.object(notifyEvent.inputSchema)
    expect(event.safeParse({ run_id: 'r', event: 'done', message: 'm' }).success).toBe(false)
    expect(event.safeParse({ run_id: 'r', event: 'end', message: 'm', data: { a: 1 } }).success).toBe(true)
  })
})
