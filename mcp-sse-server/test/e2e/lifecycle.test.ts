/** Starting, not being logged in, bad configuration, and stopping. */
import { describe, expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { initialize, rpc } from '../helpers/raw-mcp.js'
import { runCli, startServer, tempDir, writeFixture } from '../helpers/server.js'
import { statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

describe('before login', () => {
  it('every WeChat tool says where to scan, then works once logged in', async () => {
    const server = await startServer(
      { WECHAT_MOCK_FIXTURE: writeFixture({ self: { name: 'Me' }, loginDelayMs: 4000, contacts: [{ name: 'Ann' }], rooms: [{ topic: 'R', members: ['Ann'] }] }) },
      { waitForLogin: false },
    )
    try {
      await server.waitForLog((l) => l.status === 'waiting_for_scan')
      const client = await connect(server.url, 'sse')
      const status = await call(client, 'getLoginStatus')
      expect(status.structuredContent).toMatchObject({ status: 'waiting_for_scan', loginUrl: `http://127.0.0.1:${server.port}/login` })
      for (const [tool, args] of [
        ['findFriend', { nickname: 'Ann' }],
        ['findRoom', { topic: 'R' }],
        ['sendMessageToFriend', { nickname: 'Ann', message: 'hi' }],
        ['sendMessageToRoom', { topic: 'R', message: 'hi' }],
      ] as const) {
        const r = await call(client, tool, args)
        expect(r.isError, tool).toBe(true)
        expect(text(r), tool).toMatch(/not logged in[\s\S]*\/login/)
      }
      expect(server.auditLines().map((l) => [l.tool, l.ok])).toEqual([
        ['sendMessageToFriend', false],
        ['sendMessageToRoom', false],
      ])
      const health = await (await fetch(`${server.url}/health`)).json()
      expect(health.wechat.status).toBe('waiting_for_scan')
      expect(server.stderr()).toMatch(/Scan with WeChat/)

      await server.waitForLog((l) => l.status === 'logged_in')
      await server.waitForLog((l) => l.msg === 'address book indexed')
      const found = await call(client, 'findFriend', { nickname: 'Ann' })
      expect(found.isError).toBeFalsy()
      expect((await call(client, 'getLoginStatus')).structuredContent).toMatchObject({ status: 'logged_in', user: { name: 'Me' } })
      await client.close()
    } finally {
      await server.stop()
    }
  })
})

describe('shutdown', () => {
  it('SIGTERM closes sessions, stops the bot and exits 0', async () => {
    const server = await startServer()
    const client = await connect(server.url, 'sse')
    expect((await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'private' })).isError).toBeFalsy()
    // What the server writes is for the user's eyes only.
    expect(statSync(server.dataDir).mode & 0o777).toBe(0o700)
    expect(statSync(path.join(server.dataDir, 'audit.jsonl')).mode & 0o777).toBe(0o600)
    const code = await server.stop('SIGTERM')
    expect(code).toBe(0)
    expect(server.logs().some((l) => l.msg === 'stopped')).toBe(true)
  })

  it('ends the open streams of both transports on the way out', async () => {
    const server = await startServer()
    const sse = await fetch(`${server.url}/sse`)
    const init = await rpc(server.url, initialize('t'))
    const sessionId = init.headers.get('mcp-session-id')!
    await init.text()
    const stream = await fetch(`${server.url}/mcp`, { headers: { 'mcp-session-id': sessionId, accept: 'text/event-stream' } })
    expect([sse.status, stream.status]).toEqual([200, 200])
    const health = await (await fetch(`${server.url}/health`)).json()
    expect(health.sessions).toEqual({ sse: 1, streamableHttp: 1 })

    const drained = (res: Response) =>
      (async () => {
        const reader = res.body!.getReader()
        try {
          while (!(await reader.read()).done);
        } catch {
          // A reset connection ends the stream too.
        }
        return 'ended'
      })()
    const ends = Promise.all([drained(sse), drained(stream)])
    expect(await server.stop('SIGTERM')).toBe(0)
    expect(await ends).toEqual(['ended', 'ended'])
  })

  it('a send still queued when the time runs out is answered and audited as not sent', async () => {
    const server = await startServer({ WECHAT_SEND_MIN_INTERVAL_MS: '60000', LOG_LEVEL: 'debug' })
    const client = await connect(server.url, 'streamableHttp')
    expect((await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'goes now' })).isError).toBeFalsy()
    const queued = call(client, 'sendMessageToFriend', { nickname: '老张', message: 'would wait a minute' })
    await server.waitForLog((l) => l.msg === 'WeChat send queued behind pacing')
    const exited = server.stop('SIGTERM')
    const answer = await queued
    expect(answer.isError).toBe(true)
    expect(answer.structuredContent).toMatchObject({ sent: false, error: 'cancelled' })
    expect(await exited).toBe(0)
    // The sandbox marks its lines: they reached no one.
    expect(server.auditLines().map((l) => [l.text, l.ok, l.sandbox])).toEqual([
      ['goes now', true, true],
      ['would wait a minute', false, true],
    ])
  })

  it('SIGINT does the same', async () => {
    const server = await startServer()
    expect(await server.stop('SIGINT')).toBe(0)
  })
})

describe('bad configuration', () => {
  it('exits 1 listing every bad variable', async () => {
    const r = await runCli(['serve'], { PORT: 'abc', WECHATY_PUPPET: 'nonsense', WECHAT_SEND_MAX_PER_MINUTE: '0' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/3 problems/)
    expect(r.stderr).toMatch(/PORT="abc"/)
    expect(r.stderr).toMatch(/WECHATY_PUPPET="nonsense"/)
    expect(r.stderr).toMatch(/WECHAT_SEND_MAX_PER_MINUTE/)
  })

  it('exits 1 for an unreadable fixture', async () => {
    const r = await runCli(['serve'], { WECHATY_PUPPET: 'mock', WECHAT_MOCK_FIXTURE: '/no/such/file.json' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/WECHAT_MOCK_FIXTURE=.*cannot read/)
  })

  it('exits 1 for a bad fixture, naming the path of the bad field', async () => {
    const file = writeFixture({ self: { name: 'Me' }, contacts: [{ name: 'A', nickname: 'x' }], rooms: [{ topic: 'R', members: ['Nobody'] }] })
    const r = await runCli(['serve'], { WECHATY_PUPPET: 'mock', WECHAT_MOCK_FIXTURE: file, PORT: '0' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/contacts\[0\]/)
    expect(r.stderr).toMatch(/nickname/)
  })

  it('reads .env from the working directory', async () => {
    const cwd = tempDir()
    writeFileSync(path.join(cwd, '.env'), 'PORT=notaport\n')
    const r = await runCli(['serve'], { CWD: cwd })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/PORT="notaport"/)
  })

  it('an unknown command exits 2 with usage', async () => {
    const r = await runCli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Usage: wechat-mcp/)
  })
})
