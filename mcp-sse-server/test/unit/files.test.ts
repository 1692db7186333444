import { execFileSync } from 'node:child_process'
import { closeSync, constants, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confinePath, describeRawUrl, loadFromPath, loadFromUrl, MAX_REDIRECTS, sameFile, type LoadedFile } from '../../src/wechat/files.js'
import { isOwnAddress, isPrivateAddress, isRefusedByDefault } from '../../src/wechat/private-address.js'
import { PDF, PNG, startFileServer, type FileServer } from '../helpers/files.js'
import { tempDir } from '../helpers/server.js'

const MB = 1024 * 1024

describe('path confinement', () => {
  const root = tempDir('wechat-mcp-files-')
  const allowed = path.join(root, 'allowed')
  const second = path.join(root, 'second')
  const outside = path.join(root, 'outside')
  beforeAll(() => {
    for (const d of [allowed, path.join(allowed, 'sub'), second, outside]) mkdirSync(d, { recursive: true })
    writeFileSync(path.join(allowed, 'pixel.png'), PNG)
    writeFileSync(path.join(allowed, 'sub', 'report.pdf'), PDF)
    writeFileSync(path.join(second, 'notes.txt'), 'hello')
    writeFileSync(path.join(outside, 'secret.txt'), 'secret')
    symlinkSync(path.join(outside, 'secret.txt'), path.join(allowed, 'link-out.txt'))
    symlinkSync(outside, path.join(allowed, 'dir-out'))
    symlinkSync(path.join(allowed, 'pixel.png'), path.join(allowed, 'link-in.png'))
  })

  it.each([
    ['an absolute path inside', () => path.join(allowed, 'pixel.png'), () => path.join(allowed, 'pixel.png')],
    ['a relative path (to the first directory)', () => 'sub/report.pdf', () => path.join(allowed, 'sub', 'report.pdf')],
    ['a path in the second directory', () => path.join(second, 'notes.txt'), () => path.join(second, 'notes.txt')],
    ['`..` that stays inside', () => path.join(allowed, 'sub', '..', 'pixel.png'), () => path.join(allowed, 'pixel.png')],
    ['a symlink to a file inside', () => path.join(allowed, 'link-in.png'), () => path.join(allowed, 'pixel.png')],
  ])('accepts %s', async (_name, requested, expected) => {
    expect(await confinePath(requested(), [allowed, second])).toEqual({ ok: true, path: expected() })
  })

  it.each([
    ['`..` out of the directory', () => path.join(allowed, '..', 'outside', 'secret.txt'), /outside the allowed directories/],
    ['a relative `..` escape', () => '../outside/secret.txt', /outside the allowed directories/],
    ['an absolute path elsewhere', () => '/etc/passwd', /outside the allowed directories/],
    ['the directory itself', () => allowed, /outside the allowed directories/],
    ['a sibling whose name starts like the directory', () => `${allowed}-evil/x.txt`, /outside the allowed directories/],
    ['a symlinked file pointing outside', () => path.join(allowed, 'link-out.txt'), /symbolic link/],
    ['a file under a symlinked directory pointing outside', () => path.join(allowed, 'dir-out', 'secret.txt'), /symbolic link/],
    ['a missing file', () => path.join(allowed, 'nope.pdf'), /no file/],
  ])('refuses %s', async (_name, requested, message) => {
    const result = await confinePath(requested(), [allowed, second])
    expect(result.ok).toBe(false)
    expect(!result.ok && result.detail).toMatch(message)
  })

  it('refuses everything, and says what to set, when no directory is configured', async () => {
    const result = await confinePath(path.join(allowed, 'pixel.png'), [])
    expect(!result.ok && result.detail).toMatch(/WECHAT_FILE_DIRS/)
  })

  it('loads a file inside with its type, and refuses one over the size cap and a directory', async () => {
    const png = (await loadFromPath('pixel.png', { dirs: [allowed], maxBytes: MB })) as LoadedFile
    expect(png).toMatchObject({ name: 'pixel.png', mediaType: 'image/png', size: PNG.length, source: path.join(allowed, 'pixel.png') })
    expect(Buffer.from(await png.file.toBuffer()).equals(PNG)).toBe(true)
    expect(await loadFromPath('sub/report.pdf', { dirs: [allowed], maxBytes: 10 })).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/limit is/) })
    expect(await loadFromPath('sub', { dirs: [allowed], maxBytes: MB })).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/not a regular file/) })
  })

  describe('a FIFO inside an allowed directory', () => {
    const fifo = path.join(allowed, 'pipe.pdf')
    beforeAll(() => {
      execFileSync('mkfifo', [fifo])
    })
    // Should a load ever block opening the FIFO again, a writer releases it so the worker can still exit.
    afterAll(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
      } catch {
        /* ENXIO: no reader is waiting, as it should be */
      }
    })

    it(
      'is refused without being opened, however many are asked for at once, and other files still load',
      async () => {
        // More than libuv's 4 worker threads: a blocking open of each would stop every fs call after them.
        const results = await Promise.all(Array.from({ length: 6 }, () => loadFromPath('pipe.pdf', { dirs: [allowed], maxBytes: MB })))
        for (const result of results) {
          expect(result).toEqual({ ok: false, code: 'file_refused', detail: expect.stringMatching(/"pipe\.pdf" is not a regular file \(it is a directory, pipe, socket or device\)/) })
        }
        expect(await loadFromPath('pixel.png', { dirs: [allowed], maxBytes: MB })).toMatchObject({ name: 'pixel.png', size: PNG.length })
      },
      // The bound on a regression (an open that never returns); the refusals themselves are immediate.
      10_000,
    )
  })

  it('tells files apart by device and inode', () => {
    expect(sameFile({ dev: 1, ino: 2 }, { dev: 1, ino: 2 })).toBe(true)
    expect(sameFile({ dev: 1, ino: 2 }, { dev: 1, ino: 3 })).toBe(false)
    expect(sameFile({ dev: 1, ino: 2 }, { dev: 4, ino: 2 })).toBe(false)
  })
})

describe('loading from a URL', () => {
  let files: FileServer
  beforeAll(async () => {
    files = await startFileServer()
  })
  afterAll(async () => {
    await files?.close()
  })
  // The test servers are on 127.0.0.1: these tests opt in, as WECHAT_FILE_ALLOW_PRIVATE_URLS=true does.
  const local = { maxBytes: MB, allowPrivateUrls: true }

  it('downloads an image and a PDF with their types', async () => {
    const png = (await loadFromUrl(`${files.url}/pixel.png?sig=secret`, local)) as LoadedFile
    expect(png).toMatchObject({ name: 'pixel.png', mediaType: 'image/png', size: PNG.length, source: `${files.url}/pixel.png?…` })
    expect(png.file.mediaType).toBe('image/png')
    const pdf = (await loadFromUrl(`${files.url}/report.pdf`, { ...local, name: 'Quarterly' })) as LoadedFile
    expect(pdf).toMatchObject({ name: 'Quarterly.pdf', mediaType: 'application/pdf', size: PDF.length })
  })

  it('takes the name and type of a generic download from Content-Disposition', async () => {
    expect(await loadFromUrl(`${files.url}/download`, local)).toMatchObject({ name: 'Q3 report.pdf', mediaType: 'application/pdf' })
  })

  it('resolves a host name and connects to the address it checked', async () => {
    const port = files.port
    expect(await loadFromUrl(`http://localhost:${port}/pixel.png`, local)).toMatchObject({ name: 'pixel.png', size: PNG.length })
  })

  it.each([
    ['a web page', '/page', /web page/],
    ['HTML disguised as a download', '/disguised.bin', /web page/],
    ['a script', '/script.js', /not a file type/],
    ['a body over the cap without a length', '/big.bin', /larger than the limit of 1 MB/],
    ['a declared length over the cap', '/big-declared.pdf', /2\.0 MB; the limit is 1 MB/],
    ['a 404', '/missing', /HTTP 404/],
  ])('refuses %s', async (_name, route, message) => {
    expect(await loadFromUrl(`${files.url}${route}`, local)).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(message) })
  })

  it('refuses links that are not http(s) and nonsense, without echoing them', async () => {
    expect(await loadFromUrl('file:///etc/passwd', local)).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/Only http and https/) })
    const nonsense = await loadFromUrl('nota url?key=SECRETQ3', local)
    expect(nonsense).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/not a valid link/) })
    expect(JSON.stringify(nonsense)).not.toContain('SECRETQ3')
  })

  it('refuses a link with a user name or password before connecting, without repeating them', async () => {
    const before = files.hits.length
    const result = await loadFromUrl(`http://user:pw@127.0.0.1:${files.port}/pixel.png?key=SECRETQ`, local)
    expect(result).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/user name or password/) })
    expect(JSON.stringify(result)).not.toMatch(/pw|SECRETQ/)
    expect(files.hits.length).toBe(before)
  })

  it('reports a failed connection without the query string', async () => {
    const closed = await startFileServer()
    await closed.close()
    const result = await loadFromUrl(`${closed.url}/x.pdf?key=SECRETQ`, local)
    expect(result).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/failed: .*ECONNREFUSED/) })
    expect(JSON.stringify(result)).not.toContain('SECRETQ')
  })

  it('describes what the user gave without credentials or query, even when it is not a URL', () => {
    expect(describeRawUrl('https://u:p@example.com/a/b.pdf?sig=1#f')).toBe('https://example.com/a/b.pdf?…')
    expect(describeRawUrl('nota url?key=SECRETQ3')).toBe('nota url')
    expect(describeRawUrl('http://u:p@exa mple.com/x?y')).toBe('http://exa mple.com/x')
  })
})

describe('private and local addresses', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['0.0.0.0', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.254', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['::', true],
    ['::1', true],
    ['[::1]', true],
    ['fd00::1', true],
    ['fc00::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['::127.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['::ffff:0:127.0.0.1', true], // IPv4-translated (RFC 2765)
    ['::ffff:0:7f00:1', true],
    ['::ffff:0:a9fe:a9fe', true],
    ['::ffff:0:192.168.0.1', true],
    ['64:ff9b:1::7f00:1', true], // local-use NAT64 (RFC 8215)
    ['64:ff9b:1::10.0.0.1', true],
    ['64:ff9b:1:abcd::a9fe:a9fe', true],
    ['2002:7f00:1::', true], // 6to4
    ['2002:a00:1::1', true],
    ['2002:c0a8:101:1::1', true],
    ['2002:a9fe:a9fe::', true],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true], // Teredo, client 127.0.0.1 (inverted)
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', true], // Teredo, client 10.0.0.1
    ['2001::5601:5601', true], // Teredo, client 169.254.169.254 (and server 0.0.0.0)
    ['2001:0:4136:e378:8000:63bf:3f57:fffe', true], // Teredo, client 192.168.0.1
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', true], // Teredo, public client 8.8.8.8 but server 10.0.0.1
    ['localhost', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['172.32.0.1', false],
    ['100.128.0.1', false],
    ['11.0.0.1', false],
    ['2606:4700::1', false],
    ['2001:4860:4860::8888', false],
    ['::ffff:8.8.8.8', false],
    ['64:ff9b::808:808', false],
    ['::ffff:0:8.8.8.8', false],
    ['::ffff:0:808:808', false],
    ['64:ff9b:1::808:808', false],
    ['64:ff9b:1::1.1.1.1', false],
    ['2002:808:808::1', false],
    ['2002:101:101:1::', false],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false], // Teredo, client 8.8.8.8 via server 65.54.227.120
    ['2001:0:4136:e378:8000:63bf:fefe:fefe', false], // Teredo, client 1.1.1.1
    ['2001:db8::1', false], // 2001:db8::/32 is not Teredo
  ])('%s is private: %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected)
  })
})

describe("this machine's own addresses", () => {
  /** A host with a public IPv4 and IPv6 address on eth0, as on a VPS: neither is in a private range. */
  const VPS = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: '203.0.113.7', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '203.0.113.7/24' },
      { address: '2a01:4f8:c0c:1234::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2a01:4f8:c0c:1234::1/64', scopeid: 0 },
    ],
  } as unknown as ReturnType<typeof networkInterfaces>

  it.each([
    ['203.0.113.7', true],
    ['::ffff:203.0.113.7', true],
    ['::ffff:cb00:7107', true],
    ['64:ff9b::203.0.113.7', true],
    ['2002:cb00:7107::1', true],
    ['2a01:4f8:c0c:1234::1', true],
    ['2A01:04F8:0C0C:1234:0:0:0:1', true],
    ['[2a01:4f8:c0c:1234::1]', true],
    ['203.0.113.8', false],
    ['2a01:4f8:c0c:1234::2', false],
    ['8.8.8.8', false],
    ['not an address', false],
  ])('%s is one of the VPS\'s own: %s', (address, expected) => {
    expect(isOwnAddress(address, VPS)).toBe(expected)
  })

  it('every address of every interface of this machine is refused by default, whatever its range', () => {
    const own = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address))
    expect(own.length).toBeGreaterThan(0)
    for (const address of own) expect(isRefusedByDefault(address), address).toBe(true)
  })

  it("a link to this machine's non-loopback address is refused before connecting", async () => {
    const server = await startFileServer()
    try {
      const external = Object.values(networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((i) => !i.internal)
        .map((i) => (i.family === 'IPv6' ? `[${i.address.replace(/%.*$/, '')}]` : i.address))
      for (const host of external) {
        const result = await loadFromUrl(`http://${host}:${server.port}/pixel.png`, { maxBytes: MB })
        expect(result, host).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringContaining('points to a private or local address') })
      }
      expect(server.hits).toEqual([])
    } finally {
      await server.close()
    }
  })
})

describe('links to private or local addresses', () => {
  let publicServer: FileServer
  let privateServer: FileServer
  beforeAll(async () => {
    publicServer = await startFileServer()
    privateServer = await startFileServer()
  })
  afterAll(async () => {
    await publicServer?.close()
    await privateServer?.close()
  })
  /** Both servers are on 127.0.0.1: this stands in for DNS, calling one of them "public" by its port. */
  const onlyPublicServer = (address: string, url: URL) => url.port !== String(publicServer.port) && isPrivateAddress(address)
  const guarded = () => ({ maxBytes: MB, isRefusedAddress: onlyPublicServer })

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/pixel.png`],
    ['localhost (resolved first)', (port: number) => `http://localhost:${port}/pixel.png`],
    ['a numeric form of 127.0.0.1', (port: number) => `http://2130706433:${port}/pixel.png`],
    ['::1', (port: number) => `http://[::1]:${port}/pixel.png`],
    ['::ffff:127.0.0.1', (port: number) => `http://[::ffff:127.0.0.1]:${port}/pixel.png`],
  ])('refuses %s without the opt-in, before connecting, and says what to set', async (_name, link) => {
    const before = privateServer.hits.length
    const result = await loadFromUrl(link(privateServer.port), { maxBytes: MB })
    expect(result).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringContaining('points to a private or local address; set WECHAT_FILE_ALLOW_PRIVATE_URLS=true to allow it') })
    expect(privateServer.hits.length).toBe(before)
  })

  it('checks every redirect again: a "public" server may not redirect to a private one', async () => {
    const target = `${privateServer.url}/pixel.png?key=SECRETQ`
    const result = await loadFromUrl(`${publicServer.url}/redirect?to=${encodeURIComponent(target)}`, guarded())
    expect(result).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(/redirected to http:\/\/127\.0\.0\.1:\d+\/pixel\.png\?…, which points to a private or local address; set WECHAT_FILE_ALLOW_PRIVATE_URLS=true/) })
    expect(JSON.stringify(result)).not.toContain('SECRETQ')
    expect(privateServer.hits).toEqual([])
    expect(publicServer.hits.at(-1)).toMatch(/^\/redirect\?/)
  })

  it('follows redirects that stay public, up to the limit', async () => {
    expect(await loadFromUrl(`${publicServer.url}/redirect?to=/pixel.png`, guarded())).toMatchObject({ name: 'pixel.png', size: PNG.length })
    expect(await loadFromUrl(`${publicServer.url}/chain?n=${MAX_REDIRECTS}`, guarded())).toMatchObject({ mediaType: 'image/png', size: PNG.length })
    expect(await loadFromUrl(`${publicServer.url}/chain?n=${MAX_REDIRECTS + 1}`, guarded())).toMatchObject({
      ok: false,
      code: 'file_refused',
      detail: expect.stringMatching(/redirected more than 5 times/),
    })
  })

  it('follows a redirect to a private address with the opt-in', async () => {
    const link = `${publicServer.url}/redirect?to=${encodeURIComponent(`${privateServer.url}/report.pdf`)}`
    expect(await loadFromUrl(link, { maxBytes: MB, allowPrivateUrls: true })).toMatchObject({ name: 'report.pdf', mediaType: 'application/pdf' })
  })

  it.each([
    ['a file: link', 'file:///etc/passwd', /redirected to a file: link; only http and https links are followed/],
    ['a link with credentials', 'http://user:pw@example.com/x.pdf', /redirected to a link with a user name or password/],
  ])('refuses a redirect to %s', async (_name, to, message) => {
    const result = await loadFromUrl(`${publicServer.url}/redirect?to=${encodeURIComponent(to)}`, guarded())
    expect(result).toMatchObject({ ok: false, code: 'file_refused', detail: expect.stringMatching(message) })
    expect(JSON.stringify(result)).not.toContain('pw@')
  })
})
