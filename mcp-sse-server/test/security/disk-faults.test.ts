/**
 * The disk under DATA_DIR fails: read-only, not the server's to write, full, at start and while running, and an
 * audit log whose last line was torn. Through the real server and an SDK client that listed the tools (so every
 * answer is validated against its tool's output schema). Full and read-only disks are small tmpfs mounts the test
 * makes and removes; where mounting is not allowed those tests skip and say why.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { call, connect, text } from '../helpers/clients.js'
import { LOOPBACK_ONLY_ENV, MAIN, runCli, runNode, startServer, tempDir, type RunningServer } from '../helpers/server.js'
import { mountTmpfs, mountUnavailable, type Tmpfs } from '../helpers/tmpfs.js'
import { startServer as startChannelServer, type TestServer } from '../notify/helpers.js'

const NOBODY = { uid: 65534, gid: 65534 }
/** Each test starts real server processes; a loaded machine can take a while. */
const E2E_TIMEOUT_MS = 120_000
const isRoot = process.getuid?.() === 0
const mounts: Tmpfs[] = []
afterAll(() => {
  for (const fs of mounts.splice(0)) fs.unmount()
})
const mount = (sizeKb: number) => {
  const fs = mountTmpfs(sizeKb)
  mounts.push(fs)
  return fs
}

const serve = (dataDir: string) => runCli(['serve'], { DATA_DIR: dataDir, WECHATY_PUPPET: 'mock', PORT: '0' })

async function listedClient(url: string): Promise<Client> {
  const client = await connect(url, 'streamableHttp')
  // Listing the tools makes the SDK check every structuredContent against the tool's outputSchema.
  await client.listTools()
  return client
}

const send = (client: Client, message: string) => call(client, 'sendMessageToFriend', { nickname: '老张', message })
const health = async (server: RunningServer) => (await fetch(`${server.url}/health`)).json()

describe('start-up: a DATA_DIR the audit log cannot be written to stops the server with the cause', () => {
  it('a path through a file: exit 1, "not a directory", no mkdir noise', async () => {
    const file = path.join(tempDir(), 'a-file')
    writeFileSync(file, '')
    const r = await serve(path.join(file, 'data'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/DATA_DIR=.*a-file\/data: cannot create it: a part of the path is a file, not a directory \(ENOTDIR\)/)
  }, E2E_TIMEOUT_MS)

  it.skipIf(mountUnavailable !== undefined)('a read-only mount: exit 1 naming the read-only file system, for DATA_DIR itself and a missing one below it', async () => {
    const fs = mount(256)
    fs.remount('ro')
    for (const dataDir of [fs.dir, path.join(fs.dir, 'not-yet')]) {
      const r = await serve(dataDir)
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(/read-only file system \(EROFS\)/)
      expect(r.stderr).toMatch(/Mount it read-write, or point DATA_DIR at a writable directory/)
      expect(r.stderr).not.toMatch(/ENOENT|mkdir '/)
      expect(r.stdout).toMatch(/"level":60.*read-only file system/)
    }
  }, E2E_TIMEOUT_MS)

  it.skipIf(mountUnavailable !== undefined)('a full disk: exit 1 naming it', async () => {
    const fs = mount(256)
    fs.fill()
    const r = await serve(fs.dir)
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/DATA_DIR=.*: cannot write a file in it: no space left on device \(ENOSPC\)\. .*Free space on that disk/)
  }, E2E_TIMEOUT_MS)

  it.skipIf(!isRoot)('a directory the server\'s user may not write: exit 1, "permission denied"', async () => {
    const parent = tempDir()
    chmodSync(parent, 0o755)
    const dataDir = path.join(parent, 'data')
    mkdirSync(dataDir, { mode: 0o755 })
    const r = await runNode([MAIN, 'serve'], {
      cwd: '/',
      env: { PATH: process.env.PATH, HOME: parent, ...LOOPBACK_ONLY_ENV, DATA_DIR: dataDir, WECHATY_PUPPET: 'mock', PORT: '0', LOG_LEVEL: 'warn' },
      as: NOBODY,
    })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/cannot write a file in it: permission denied \(EACCES\)\. .*uid 65534/)
  }, E2E_TIMEOUT_MS)
  it.skipIf(mountUnavailable === undefined)(`read-only and full disks at start: skipped, ${mountUnavailable}`, () => undefined)
  it.skipIf(isRoot)('permission denied at start: skipped, the test needs root to run the server as another user', () => undefined)
})

describe.skipIf(mountUnavailable !== undefined)('while running: the disk fills, then turns read-only', () => {
  let server: RunningServer
  let gotify: TestServer
  afterAll(async () => {
    await server?.stop()
    await gotify?.close()
  })

  it('no send goes out unrecorded; /health, the log and one notification say why; sends resume once it is writable', async () => {
    const fs = mount(1024)
    gotify = await startChannelServer({ json: { id: 7 } })
    server = await startServer({ DATA_DIR: fs.dir, GOTIFY_URL: gotify.origin, GOTIFY_TOKEN: 'gotify-token-0123456789' })
    const client = await listedClient(server.url)
    expect((await send(client, 'before the disk filled')).structuredContent).toMatchObject({ sent: true })

    const filler = fs.fill()
    const refused: CallToolResult[] = [await send(client, 'while the disk is full'), await call(client, 'sendMessageToRoom', { topic: '家庭群', message: 'also while full' })]
    for (const r of refused) {
      expect(r.isError).toBe(true)
      expect(r.structuredContent).toMatchObject({ sent: false, error: 'audit_unavailable' })
      expect(text(r)).toMatch(/^Not sent: the audit log .* cannot be written: no space left on device \(ENOSPC\)\./)
    }
    expect(await health(server)).toMatchObject({ status: 'degraded', audit: { status: 'failing', error: 'no space left on device (ENOSPC)' } })
    await server.waitForLog((l) => l.msg === 'audit failure notification sent')
    expect(gotify.requests).toHaveLength(1)
    expect(decodeURIComponent(gotify.requests[0].body.replace(/\+/g, ' '))).toMatch(/audit\.jsonl cannot be written: no space left on device \(ENOSPC\)/)
    expect(server.logs().filter((l) => l.msg === 'audit log cannot be written; every WeChat send is refused until it can')).toHaveLength(1)

    // The chat itself shows what went out: only the first message.
    const history = await call(client, 'getRecentMessages', { nickname: '老张' })
    const own = (history.structuredContent as { messages: Array<{ sender: { self: boolean }; text?: string }> }).messages.filter((m) => m.sender.self)
    expect(own.map((m) => m.text)).toEqual(['before the disk filled'])

    rmSync(filler)
    expect((await send(client, 'after space was freed')).structuredContent).toMatchObject({ sent: true })
    expect(await health(server)).toMatchObject({ status: 'ok', audit: { status: 'writable' } })
    await server.waitForLog((l) => l.msg === 'audit log writable again; WeChat sends resume')

    fs.remount('ro')
    const readOnly = await send(client, 'while read-only')
    expect(readOnly.structuredContent).toMatchObject({ sent: false, error: 'audit_unavailable' })
    expect(text(readOnly)).toMatch(/read-only file system \(EROFS\)/)
    expect(await health(server)).toMatchObject({ status: 'degraded', audit: { status: 'failing', error: 'read-only file system (EROFS)' } })
    fs.remount('rw')
    expect((await send(client, 'after remounting read-write')).structuredContent).toMatchObject({ sent: true })

    // Every line parses; the refused sends are nowhere recorded as sent.
    expect(server.auditLines().filter((l) => l.ok === true).map((l) => l.text)).toEqual(['before the disk filled', 'after space was freed', 'after remounting read-write'])
    await client.close()
    expect(await server.stop()).toBe(0)
  }, E2E_TIMEOUT_MS)
})

describe('a torn last line at start', () => {
  it('is cut off, kept as its own record, and the next send is a whole line of its own', async () => {
    const dataDir = tempDir()
    const file = path.join(dataDir, 'audit.jsonl')
    const whole = JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', tool: 'sendMessageToFriend', target: { type: 'contact', id: 'x' }, text: 'whole', ok: true })
    const fragment = '{"ts":"2026-01-01T00:00:01.000Z","tool":"sendMessageToFriend","target":{"type":"contact","id":"x"},"text":"half wri'
    writeFileSync(file, `${whole}\n${fragment}`)
    const server = await startServer({ DATA_DIR: dataDir })
    try {
      await server.waitForLog((l) => l.msg === 'audit.jsonl ended in a torn line; it was cut off and kept as a torn_line_repaired record')
      const client = await listedClient(server.url)
      expect((await send(client, 'after the crash')).structuredContent).toMatchObject({ sent: true })
      await client.close()
      const raw = readFileSync(file, 'utf8')
      expect(raw.endsWith('\n')).toBe(true)
      const lines = raw.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      expect(lines.map((l) => l.text ?? l.event)).toEqual(['whole', 'torn_line_repaired', 'after the crash'])
      expect(lines[1]).toMatchObject({ fragment, bytes: fragment.length })
      expect(readdirSync(dataDir).filter((n) => n.startsWith('.'))).toEqual([])
    } finally {
      await server.stop()
    }
  }, E2E_TIMEOUT_MS)
})
