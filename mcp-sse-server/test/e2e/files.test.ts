/**
 * Files and images through real MCP clients on both transports: from a local HTTP server (image, PDF, refusals) and
 * from disk (inside and outside WECHAT_FILE_DIRS); every attempt is in the audit log, refused ones included.
 * Without WECHAT_FILE_ALLOW_PRIVATE_URLS a link to this machine is refused; no credentials or query strings are
 * ever repeated in a result or the audit log.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect, openClient, structured, text, TRANSPORTS } from '../helpers/clients.js'
import { PDF, PNG, startFileServer, type FileServer } from '../helpers/files.js'
import { startServer, tempDir, type RunningServer } from '../helpers/server.js'

const root = tempDir('wechat-mcp-e2e-files-')
const allowed = path.join(root, 'allowed')
const outside = path.join(root, 'outside')
const fifo = path.join(allowed, 'report.pdf')

let server: RunningServer
let files: FileServer
beforeAll(async () => {
  mkdirSync(allowed)
  mkdirSync(outside)
  writeFileSync(path.join(allowed, 'chart.png'), PNG)
  writeFileSync(path.join(allowed, 'minutes.pdf'), PDF)
  writeFileSync(path.join(outside, 'secret.txt'), 'not for WeChat')
  symlinkSync(path.join(outside, 'secret.txt'), path.join(allowed, 'innocent.txt'))
  execFileSync('mkfifo', [fifo])
  files = await startFileServer()
  // The file server is on 127.0.0.1, which file links may only reach with this opt-in.
  server = await startServer({ WECHAT_MAX_FILE_MB: '1', WECHAT_FILE_DIRS: allowed, WECHAT_FILE_ALLOW_PRIVATE_URLS: 'true' })
})
afterAll(async () => {
  // Should the server ever block opening the FIFO again, a writer releases it so the server can stop.
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
  } catch {
    /* ENXIO: no reader is waiting, as it should be */
  }
  await server?.stop()
  await files?.close()
})

/** The audit line the call just wrote: the last one. */
const lastAudit = () => server.auditLines().at(-1)!

describe.each(TRANSPORTS)('over %s', (kind) => {
  const conn = openClient(() => server.url, kind)

  it('sends an image from a URL as an image, audited with its name and URL but not the signed query', async () => {
    const result = await call(conn.client, 'sendFileToFriend', { nickname: '老张', url: `${files.url}/pixel.png?token=s3cr3t` })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({
      sent: true,
      target: { type: 'contact', name: '老张' },
      file: { name: 'pixel.png', mediaType: 'image/png', size: PNG.length },
    })
    expect(lastAudit()).toMatchObject({ tool: 'sendFileToFriend', ok: true, file: 'pixel.png', source: `${files.url}/pixel.png?…`, target: { name: '老张' } })
    expect(JSON.stringify(server.auditLines())).not.toContain('s3cr3t')
    // The bot's own send is in the chat's history, as an image.
    const history = structured(await call(conn.client, 'getRecentMessages', { nickname: '老张', limit: 1 }))
    expect(history.messages[0]).toMatchObject({ type: 'image', fileName: 'pixel.png', sender: { self: true } })
  })

  it('sends a PDF from a URL to a group, followed by its caption', async () => {
    const caption = `Minutes of today (${kind})`
    const result = await call(conn.client, 'sendFileToRoom', { topic: '家庭群', url: `${files.url}/report.pdf`, caption })
    expect(result.structuredContent).toMatchObject({ sent: true, target: { type: 'room' }, file: { name: 'report.pdf', mediaType: 'application/pdf' } })
    // The file and its caption are two sends, each with its own audit line.
    const [fileLine, captionLine] = server.auditLines().slice(-2)
    expect(fileLine).toMatchObject({ tool: 'sendFileToRoom', ok: true, file: 'report.pdf', text: '' })
    expect(captionLine).toMatchObject({ tool: 'sendFileToRoom', ok: true, text: caption, target: { type: 'room', name: '家庭群' } })
    const history = structured(await call(conn.client, 'getRecentMessages', { topic: '家庭群', limit: 2 }))
    expect(history.messages.map((m: any) => [m.fileName ?? null, m.text ?? null])).toEqual([
      ['report.pdf', null],
      [null, caption],
    ])
  })

  it.each([
    ['an oversize download', '/big.bin', /larger than the limit of 1 MB/],
    ['a web page', '/page', /web page/],
    ['a script', '/script.js', /not a file type/],
  ])('refuses %s, and audits the refusal', async (_name, route, message) => {
    const result = await call(conn.client, 'sendFileToFriend', { nickname: '老张', url: `${files.url}${route}` })
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
    expect(lastAudit()).toMatchObject({ tool: 'sendFileToFriend', ok: false, source: `${files.url}${route}`, error: expect.stringMatching(message) })
  })

  it('does not download anything when the recipient is ambiguous', async () => {
    const before = files.hits.length
    const result = await call(conn.client, 'sendFileToFriend', { nickname: '小明', url: `${files.url}/pixel.png` })
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'ambiguous' })
    expect(structured(result).candidates).toHaveLength(2)
    expect(files.hits.length).toBe(before)
    expect(lastAudit()).toMatchObject({ ok: false, error: expect.stringMatching(/match/) })
  })

  it('sends files from inside WECHAT_FILE_DIRS, by absolute and by relative path', async () => {
    const image = await call(conn.client, 'sendFileToFriend', { nickname: 'Bob', path: path.join(allowed, 'chart.png') })
    expect(image.structuredContent).toMatchObject({ sent: true, file: { name: 'chart.png', mediaType: 'image/png' } })
    expect(lastAudit()).toMatchObject({ ok: true, file: 'chart.png', source: path.join(allowed, 'chart.png') })
    const pdf = await call(conn.client, 'sendFileToFriend', { nickname: 'Bob', path: 'minutes.pdf', name: 'Minutes 2025-01' })
    expect(pdf.structuredContent).toMatchObject({ sent: true, file: { name: 'Minutes 2025-01.pdf' } })
    expect(lastAudit()).toMatchObject({ ok: true, file: 'Minutes 2025-01.pdf', source: path.join(allowed, 'minutes.pdf') })
  })

  it.each([
    ['a path outside', () => path.join(outside, 'secret.txt'), /outside the allowed directories/],
    ['a `..` escape', () => path.join(allowed, '..', 'outside', 'secret.txt'), /outside the allowed directories/],
    ['a relative `..` escape', () => '../outside/secret.txt', /outside the allowed directories/],
    ['a symlink pointing outside', () => path.join(allowed, 'innocent.txt'), /symbolic link/],
  ])('refuses %s, and audits the refusal', async (_name, requested, message) => {
    const result = await call(conn.client, 'sendFileToFriend', { nickname: 'Bob', path: requested() })
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
    expect(lastAudit()).toMatchObject({ tool: 'sendFileToFriend', ok: false, source: requested(), error: expect.stringMatching(message) })
    expect(lastAudit()).not.toHaveProperty('file')
  })

  it(
    'refuses a FIFO without opening it, several at once, and a text send still answers afterwards',
    async () => {
      // More than libuv's 4 worker threads: a blocking open of each would stall every later fs call and DNS lookup.
      const results = await Promise.all(Array.from({ length: 5 }, () => call(conn.client, 'sendFileToFriend', { nickname: 'Bob', path: fifo })))
      for (const result of results) {
        expect(result.isError).toBe(true)
        expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
        expect(text(result)).toMatch(/is not a regular file/)
      }
      expect(lastAudit()).toMatchObject({ tool: 'sendFileToFriend', ok: false, source: fifo, error: expect.stringMatching(/not a regular file/) })
      const message = await call(conn.client, 'sendMessageToFriend', { nickname: 'Bob', message: 'still answering' })
      expect(message.isError).toBeFalsy()
    },
    // The bound on a regression (sends that never answer); the refusals themselves are immediate.
    20_000,
  )

  it('asks for exactly one source', async () => {
    const both = await call(conn.client, 'sendFileToFriend', { nickname: 'Bob', url: `${files.url}/pixel.png`, path: 'chart.png' })
    expect(both.isError).toBe(true)
    expect((both.content[0] as { text: string }).text).toMatch(/exactly one of `url` or `path`/)
  })
})

describe('without WECHAT_FILE_DIRS', () => {
  it('refuses local files and says what to set', async () => {
    const bare = await startServer()
    try {
      const client = await connect(bare.url, 'streamableHttp')
      const result = await call(client, 'sendFileToFriend', { nickname: 'Bob', path: path.join(allowed, 'chart.png') })
      expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
      expect((result.content[0] as { text: string }).text).toMatch(/WECHAT_FILE_DIRS/)
      expect(bare.auditLines().at(-1)).toMatchObject({ ok: false, error: expect.stringMatching(/WECHAT_FILE_DIRS/) })
      await client.close()
    } finally {
      await bare.stop()
    }
  })
})

describe('without WECHAT_FILE_ALLOW_PRIVATE_URLS', () => {
  let bare: RunningServer
  beforeAll(async () => {
    bare = await startServer()
  })
  afterAll(async () => {
    await bare?.stop()
  })
  const conn = openClient(() => bare.url, 'streamableHttp')

  it('refuses a link to 127.0.0.1 without downloading it, says what to set, and audits the refusal', async () => {
    const before = files.hits.length
    const result = await call(conn.client, 'sendFileToFriend', { nickname: '老张', url: `${files.url}/pixel.png` })
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
    expect(text(result)).toMatch(/private or local address; set WECHAT_FILE_ALLOW_PRIVATE_URLS=true to allow it/)
    expect(files.hits.length).toBe(before)
    expect(bare.auditLines().at(-1)).toMatchObject({
      tool: 'sendFileToFriend',
      ok: false,
      source: `${files.url}/pixel.png`,
      error: expect.stringMatching(/WECHAT_FILE_ALLOW_PRIVATE_URLS/),
    })
  })

  it.each([
    ['credentials and a query string', () => `http://user:pw@127.0.0.1:${files.port}/x?key=SECRETQ`, /user name or password/],
    ['something that is not a URL', () => 'nota url?key=SECRETQ3', /not a valid link/],
  ])('never repeats %s in the result or the audit log', async (_name, url, message) => {
    const result = await call(conn.client, 'sendFileToFriend', { nickname: '老张', url: url() })
    expect(result.structuredContent).toMatchObject({ sent: false, error: 'file_refused' })
    expect(text(result)).toMatch(message)
    const audit = bare.auditLines().at(-1)!
    expect(audit).toMatchObject({ tool: 'sendFileToFriend', ok: false, error: expect.stringMatching(message) })
    for (const leaked of [JSON.stringify(result), JSON.stringify(audit)]) {
      expect(leaked).not.toMatch(/pw|SECRETQ/)
    }
  })
})
