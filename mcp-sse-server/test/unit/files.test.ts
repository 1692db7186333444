import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confinePath, loadFromPath, loadFromUrl, type LoadedFile } from '../../src/wechat/files.js'
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
    expect(!result.ok && result.refused).toMatch(message)
  })

  it('refuses everything, and says what to set, when no directory is configured', async () => {
    const result = await confinePath(path.join(allowed, 'pixel.png'), [])
    expect(!result.ok && result.refused).toMatch(/WECHAT_FILE_DIRS/)
  })

  it('loads a file inside with its type, and refuses one over the size cap and a directory', async () => {
    const png = (await loadFromPath('pixel.png', { dirs: [allowed], maxBytes: MB })) as LoadedFile
    expect(png).toMatchObject({ name: 'pixel.png', mediaType: 'image/png', size: PNG.length, source: path.join(allowed, 'pixel.png') })
    expect(Buffer.from(await png.file.toBuffer()).equals(PNG)).toBe(true)
    expect(await loadFromPath('sub/report.pdf', { dirs: [allowed], maxBytes: 10 })).toMatchObject({ refused: expect.stringMatching(/limit is/) })
    expect(await loadFromPath('sub', { dirs: [allowed], maxBytes: MB })).toMatchObject({ refused: expect.stringMatching(/not a regular file/) })
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

  it('downloads an image and a PDF with their types', async () => {
    const png = (await loadFromUrl(`${files.url}/pixel.png?sig=secret`, { maxBytes: MB })) as LoadedFile
    expect(png).toMatchObject({ name: 'pixel.png', mediaType: 'image/png', size: PNG.length, source: `${files.url}/pixel.png?…` })
    expect(png.file.mediaType).toBe('image/png')
    const pdf = (await loadFromUrl(`${files.url}/report.pdf`, { maxBytes: MB, name: 'Quarterly' })) as LoadedFile
    expect(pdf).toMatchObject({ name: 'Quarterly.pdf', mediaType: 'application/pdf', size: PDF.length })
  })

  it('takes the name and type of a generic download from Content-Disposition', async () => {
    expect(await loadFromUrl(`${files.url}/download`, { maxBytes: MB })).toMatchObject({ name: 'Q3 report.pdf', mediaType: 'application/pdf' })
  })

  it.each([
    ['a web page', '/page', /web page/],
    ['HTML disguised as a download', '/disguised.bin', /web page/],
    ['a script', '/script.js', /not a file type/],
    ['a body over the cap without a length', '/big.bin', /larger than the limit of 1 MB/],
    ['a declared length over the cap', '/big-declared.pdf', /2\.0 MB; the limit is 1 MB/],
    ['a 404', '/missing', /HTTP 404/],
  ])('refuses %s', async (_name, route, message) => {
    expect(await loadFromUrl(`${files.url}${route}`, { maxBytes: MB })).toMatchObject({ refused: expect.stringMatching(message) })
  })

  it('refuses links that are not http(s) and nonsense', async () => {
    expect(await loadFromUrl('file:///etc/passwd', { maxBytes: MB })).toMatchObject({ refused: expect.stringMatching(/Only http and https/) })
    expect(await loadFromUrl('not a url', { maxBytes: MB })).toMatchObject({ refused: expect.stringMatching(/not a URL/) })
  })
})
