import { afterEach, describe, expect, it } from 'vitest'
import webhook, { fillUrl, parseBody, parseHeaders, urlSecrets } from '../../../src/notify/channels/webhook.js'
import { MESSAGE, sendThrough, startServer, type Captured, type TestServer } from '../helpers.js'

let server: TestServer
afterEach(() => server?.close())

/** A body template with a JSON value spanning lines, a plain value and a placeholder-only value. */
const BODY = 'msg: {\n  "text": "$title\\n$content",\n  "n": 1\n}\nkind: alert $title\nraw: $content'

async function send(env: Record<string, string>, reply = { json: { ok: true } }) {
  server = await startServer(reply)
  const result = await sendThrough(webhook, { WEBHOOK_URL: `${server.origin}/hook?t=$title`, WEBHOOK_METHOD: 'POST', ...env })
  return { result, req: server.requests[0] }
}

async function multipart(req: Captured): Promise<Record<string, string>> {
  const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body: req.body }).formData()
  // multipart/form-data serialization turns line breaks in values into CRLF (HTML spec); compare them as \n.
  return Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v).replace(/\r\n/g, '\n')]))
}

describe('webhook', () => {
  it('application/json: placeholders filled inside parsed values, so quotes and newlines stay valid JSON', async () => {
    const { result, req } = await send({ WEBHOOK_CONTENT_TYPE: 'application/json', WEBHOOK_BODY: BODY, WEBHOOK_HEADERS: 'Authorization: Bearer hook-secret-1\nX-Tag: a\nx-tag: b' })
    expect(result).toMatchObject({ channel: 'webhook', ok: true, status: 200 })
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/hook')
    expect(req.query.get('t')).toBe(MESSAGE.title)
    expect(req.url).toContain(`t=${encodeURIComponent(MESSAGE.title)}`)
    expect(req.headers.authorization).toBe('Bearer hook-secret-1')
    expect(req.headers['x-tag']).toBe('a, b')
    expect(req.headers['content-type']).toMatch(/^application\/json/)
    expect(req.json).toEqual({
      msg: { text: `${MESSAGE.title}\n${MESSAGE.content}`, n: 1 },
      kind: `alert ${MESSAGE.title}`,
      raw: MESSAGE.content,
    })
  })

  it('application/x-www-form-urlencoded: every pair kept (the reference lost the first value) and encoded', async () => {
    const { req } = await send({ WEBHOOK_CONTENT_TYPE: 'application/x-www-form-urlencoded', WEBHOOK_BODY: 'title: $title\ncontent: $content' })
    expect(req.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    expect(Object.fromEntries(req.form)).toEqual({ title: MESSAGE.title, content: MESSAGE.content })
  })

  it('multipart/form-data: one field per pair, JSON values serialized', async () => {
    const { req } = await send({ WEBHOOK_CONTENT_TYPE: 'multipart/form-data', WEBHOOK_BODY: BODY, WEBHOOK_HEADERS: 'Content-Type: multipart/form-data' })
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const fields = await multipart(req)
    expect(fields).toEqual({
      msg: JSON.stringify({ text: `${MESSAGE.title}\n${MESSAGE.content}`, n: 1 }),
      kind: `alert ${MESSAGE.title}`,
      raw: MESSAGE.content,
    })
  })

  it('text/plain: the whole body with placeholders filled, not split into pairs', async () => {
    const { req } = await send({ WEBHOOK_CONTENT_TYPE: 'text/plain', WEBHOOK_BODY: 'Alert: $title\n\n$content' })
    expect(req.headers['content-type']).toMatch(/^text\/plain/)
    expect(req.body).toBe(`Alert: ${MESSAGE.title}\n\n${MESSAGE.content}`)
  })

  it('GET with placeholders in the URL only; a title containing "$content" is not expanded twice', async () => {
    server = await startServer({ text: 'ok' })
    const result = await sendThrough(
      webhook,
      { WEBHOOK_URL: `${server.origin}/push/$title?body=$content`, WEBHOOK_METHOD: 'get' },
      { title: 'price $content', content: 'a&b' },
    )
    expect(result.ok).toBe(true)
    const [req] = server.requests
    expect(req.method).toBe('GET')
    expect(decodeURIComponent(req.path)).toBe('/push/price $content')
    expect(req.query.get('body')).toBe('a&b')
    expect(req.body).toBe('')
  })

  it.each([
    ['..', '(refused)'],
    ['../admin', '/push/..%2Fadmin/end'],
    ['../../admin?x=1#f', '/push/..%2F..%2Fadmin%3Fx%3D1%23f/end'],
    ['a/b/c', '/push/a%2Fb%2Fc/end'],
    ['%2e%2e', '/push/%252e%252e/end'],
    ['\\..\\admin', '/push/%5C..%5Cadmin/end'],
    ['?key=stolen', '/push/%3Fkey%3Dstolen/end'],
  ])('a title %j stays one path segment: the request goes to %s and nowhere else', async (title, path) => {
    server = await startServer({ text: 'ok' })
    const result = await sendThrough(
      webhook,
      { WEBHOOK_URL: `${server.origin}/push/$title/end?key=fixed&c=$content`, WEBHOOK_METHOD: 'GET' },
      { title, content: 'x&key=evil' },
    )
    if (title === '..') {
      // ".." cannot be one segment of a URL at all (even encoded, parsers resolve it): refused, not sent elsewhere.
      expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/path segment .* "\."/) })
      expect(server.requests).toEqual([])
      return
    }
    expect(result.ok).toBe(true)
    const [req] = server.requests
    expect(req.path).toBe(path)
    const segments = req.path.split('/')
    expect(segments).toHaveLength(4)
    expect(segments[1]).toBe('push')
    expect(decodeURIComponent(segments[2])).toBe(title)
    expect(segments[3]).toBe('end')
    expect(req.query.getAll('key')).toEqual(['fixed'])
    expect(req.query.get('c')).toBe('x&key=evil')
  })

  it('a title or content cannot choose the host, and "." or ".." made of the template and the title is refused', () => {
    const msg = (title: string) => ({ title, content: 'c' })
    expect(fillUrl('https://h.example/a/%2e$title/b', msg('.'))).toMatchObject({ error: expect.stringContaining('"..", which changes the address') })
    expect(fillUrl('https://h.example/a/$title$content/b', { title: '.', content: '.' })).toMatchObject({ error: expect.any(String) })
    expect(fillUrl('https://$title.example/x', msg('evil'))).toMatchObject({ error: expect.stringContaining('not in its host') })
    expect(fillUrl('https://u:$title@h.example/x', msg('p'))).toMatchObject({ error: expect.stringContaining('credentials') })
    expect(fillUrl('https://h.example/a/x$title/b?q=$title', msg('..'))).toEqual({ url: 'https://h.example/a/x../b?q=..' })
    expect(fillUrl('https://u:p@h.example:8443/a/$title?k=v&t=$title&flag', msg('a b/c&d=e'))).toEqual({
      url: 'https://u:p@h.example:8443/a/a%20b%2Fc%26d%3De?k=v&t=a%20b%2Fc%26d%3De&flag',
    })
  })

  it('fails on a non-2xx status, without echoing header secrets', async () => {
    const { result } = await send(
      { WEBHOOK_BODY: 'text: $title', WEBHOOK_HEADERS: 'X-Api-Key: hook-secret-2' },
      { status: 500, json: { error: 'bad key hook-secret-2' } } as never,
    )
    expect(result).toMatchObject({ ok: false, status: 500 })
    expect(result.error).not.toContain('hook-secret-2')
  })

  it('fails without echoing a key held in the URL query or path', async () => {
    server = await startServer({ status: 400, text: 'bad key SECRETKEY123 for hook PATHKEY-456789' })
    const result = await sendThrough(webhook, {
      WEBHOOK_URL: `${server.origin}/hook/PATHKEY-456789?key=SECRETKEY123&t=$title`,
      WEBHOOK_METHOD: 'POST',
      WEBHOOK_BODY: 'text: $content',
    })
    expect(server.requests[0].query.get('key')).toBe('SECRETKEY123')
    expect(result).toMatchObject({ ok: false, status: 400 })
    expect(result.error).toContain('bad key')
    expect(result.error).not.toContain('SECRETKEY123')
    expect(result.error).not.toContain('PATHKEY-456789')
  })

  it('takes long path segments, query values and a password of the URL as secrets, placeholders removed', () => {
    expect(urlSecrets('https://u:hunter2hunter2@hooks.example.com/send/abcdef123456/$title?key=SECRETKEY123&t=$title&c=pre$contentpost-long-text&format=json&x=tok%2Fen-12345').sort()).toEqual(
      ['hunter2hunter2', 'abcdef123456', 'SECRETKEY123', 'post-long-text', 'tok%2Fen-12345', 'tok/en-12345'].sort(),
    )
    expect(urlSecrets('https://example.com/hook?t=$title&c=$content')).toEqual([])
    expect(urlSecrets('not a url')).toEqual([])
    expect(urlSecrets(undefined)).toEqual([])
  })

  it('is a failure, not a silent skip, when $title appears nowhere', async () => {
    server = await startServer({ json: {} })
    const result = await sendThrough(webhook, { WEBHOOK_URL: `${server.origin}/hook`, WEBHOOK_METHOD: 'POST', WEBHOOK_BODY: 'text: $content' })
    expect(result.ok).toBe(false)
    expect(result.error).toContain('$title')
    expect(server.requests).toHaveLength(0)
  })

  it('parses headers and body pairs as documented', () => {
    expect(parseHeaders('A: 1\nb: 2\na: 3')).toEqual({ a: '1, 3', b: '2' })
    expect(parseBody('a: $title\nb: [1, "$content"]', { title: 'T', content: 'C' })).toEqual({ a: 'T', b: [1, 'C'] })
  })
})
