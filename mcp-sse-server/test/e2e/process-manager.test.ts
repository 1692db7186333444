/**
 * Under a process manager: SIGTERM/SIGINT finish the queued send (audited, answered) and exit 0; SIGKILL loses no
 * send that was already reported; the login session (memory card) survives restarts and `wechat-mcp logout`
 * forgets it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { runCli, startServer, tempDir } from '../helpers/server.js'

describe('graceful stop', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s with a send queued behind pacing: it goes out, is audited and answered; exit 0', async (signal) => {
    const server = await startServer({ WECHAT_SEND_MIN_INTERVAL_MS: '2000', LOG_LEVEL: 'debug' })
    const client = await connect(server.url, 'streamableHttp')
    const first = await call(client, 'sendMessageToFriend', { nickname: '老张', message: 'first' })
    expect(first.structuredContent).toMatchObject({ sent: true })

    const second = call(client, 'sendMessageToFriend', { nickname: '老张', message: 'second, in flight at shutdown' })
    await server.waitForLog((l) => l.msg === 'WeChat send queued behind pacing')
    const exited = server.stop(signal)
    expect(text(await second)).toContain('Sent')
    expect(await exited).toBe(0)

    expect(server.auditLines().map((l) => [l.text, l.ok])).toEqual([
      ['first', true],
      ['second, in flight at shutdown', true],
    ])
    const lines = server.logs().map((l) => l.msg)
    expect(lines).toContain('waiting for queued WeChat sends')
    expect(lines.at(-1)).toBe('stopped')
  })

  it('SIGKILL right after a send was reported: its audit line is already on disk', async () => {
    const server = await startServer()
    const client = await connect(server.url, 'sse')
    const sent = await call(client, 'sendMessageToRoom', { topic: '家庭群', message: 'reported, then killed' })
    expect(sent.structuredContent).toMatchObject({ sent: true })
    expect(await server.stop('SIGKILL')).toBeNull()
    expect(server.auditLines()).toMatchObject([{ tool: 'sendMessageToRoom', text: 'reported, then killed', ok: true }])
  })
})

describe('the saved login (memory card)', () => {
  it('survives restarts of a real-puppet server, and `wechat-mcp logout` forgets it', async () => {
    // wechat4u without a network: it keeps retrying in the background, the server serves and stops cleanly.
    const dataDir = tempDir()
    const card = path.join(dataDir, 'wechat.memory-card.json')
    const env = { DATA_DIR: dataDir, WECHATY_PUPPET: 'wechaty-puppet-wechat4u' }

    // A saved wechat4u session (as the puppet writes it at login). Offline, wechat4u's restart() waits 60 s before
    // retrying, so nothing else writes the card meanwhile. A stop must keep the session: wechaty's bot.stop() would
    // log out at WeChat and delete it.
    const marker = { '\rpuppet\nPUPPET-WECHAT4U': { PROP: { uin: 123456, sid: 'test-sid', skey: '@test' }, COOKIE: {} } }
    writeFileSync(card, JSON.stringify(marker))
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const server = await startServer(env, { waitForLogin: false })
      await server.waitForLog((l) => l.component === 'wechat') // the bot is running (offline: its restart failed)
      expect((await fetch(`${server.url}/sandbox/logout`, { method: 'POST' })).status).toBe(404)
      expect(await server.stop(signal)).toBe(0)
      expect(JSON.parse(readFileSync(card, 'utf8'))).toMatchObject(marker)
    }

    const out = await runCli(['logout'], { DATA_DIR: dataDir })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('Forgot the saved WeChat login (wechat.memory-card.json)')
    expect(existsSync(card)).toBe(false)
    expect((await runCli(['logout'], { DATA_DIR: dataDir })).stdout).toContain('No saved WeChat login found.')
  })
})
