/**
 * Files the agent may send: downloaded from an http(s) URL (size cap enforced while streaming, a timeout, the
 * content type checked so a login page or an error page is never sent as "the report"; no private or local
 * addresses unless WECHAT_FILE_ALLOW_PRIVATE_URLS, checked at every redirect), or read from a local path
 * that must resolve, symlinks followed, inside one of WECHAT_FILE_DIRS. Refusals say what to do instead.
 */
import { lookup } from 'node:dns/promises'
import { constants, type Stats } from 'node:fs'
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises'
import type { LookupFunction } from 'node:net'
import path from 'node:path'
import type { FileBoxInterface } from 'file-box'
import { Agent, fetch, type Response } from 'undici'
import { isRefusedByDefault } from './private-address.js'
import { quote } from './quote.js'
import type { Fail, Ok } from '../result.js'

export interface LoadedFile {
  file: FileBoxInterface
  /** The name the recipient sees; its extension is what makes WeChat show an image as an image. */
  name: string
  size: number
  mediaType: string
  /** Where it came from, for the audit log: a URL without its query string, or the resolved path. */
  source: string
}

/** Why a file will not be sent: the reason in words, without a "Not sent:" lead (the send's answer adds it). */
export type FileRefusal = Fail<'file_refused'>

function refusal(detail: string): FileRefusal {
  return { ok: false, code: 'file_refused', detail }
}

/** A loaded file carries no code: what does is a refusal. */
export function isRefusal(loaded: LoadedFile | FileRefusal): loaded is FileRefusal {
  return 'code' in loaded
}

export const DOWNLOAD_TIMEOUT_MS = 60_000
const MB = 1024 * 1024

/** Media types by extension: what these tools send, and how a name is completed when it has no extension. */
const TYPE_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  zip: 'application/zip',
  rar: 'application/vnd.rar',
  '7z': 'application/x-7z-compressed',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
}
const EXT_BY_TYPE = new Map(Object.entries(TYPE_BY_EXT).reverse().map(([ext, type]) => [type, ext]))
const KNOWN_TYPES = new Set(Object.values(TYPE_BY_EXT))
const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown'])

function typeOfName(name: string): string | undefined {
  return TYPE_BY_EXT[path.extname(name).slice(1).toLowerCase()]
}

/** Keeps the name a name: no directories, no control characters, not endless. */
function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return base.length > 120 ? base.slice(base.length - 120) : base
}

/** Gives the name the extension of its media type when it lacks one (a name decides how WeChat shows the file). */
function nameFor(name: string, mediaType: string): string {
  const ext = EXT_BY_TYPE.get(mediaType)
  if (!ext || typeOfName(name) === mediaType) return name
  return `${name || 'file'}.${ext}`
}

async function toFileBox(bytes: Buffer, name: string): Promise<FileBoxInterface> {
  const { FileBox } = await import('file-box')
  // Base64 rather than a Buffer box: every puppet (the mock included, which serialises boxes) can carry it.
  return FileBox.fromBase64(bytes.toString('base64'), name)
}

/** What the audit log and every message keep of a URL: never credentials or a signed query string. */
export function describeUrl(url: URL): string {
  const origin = url.origin === 'null' ? `${url.protocol}//${url.host}` : url.origin
  return `${origin}${url.pathname}${url.search ? '?…' : ''}`
}

/** describeUrl for what the user gave, even when it is not a URL: no query, fragment or userinfo. */
export function describeRawUrl(raw: string): string {
  try {
    return describeUrl(new URL(raw))
  } catch {
    return raw.split(/[?#]/)[0].replace(/^([^/]*\/\/)?[^/]*@/, '$1').slice(0, 300)
  }
}

function looksLikeHtml(head: Buffer): boolean {
  return /^\s*<(!doctype html|html|head|body)\b/i.test(head.subarray(0, 512).toString('latin1'))
}

function fileNameFromDisposition(header: string | null): string | undefined {
  if (!header) return undefined
  const star = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through to the plain form */
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split('/').filter(Boolean).pop() ?? ''
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export interface UrlOptions {
  maxBytes: number
  timeoutMs?: number
  name?: string
  /** WECHAT_FILE_ALLOW_PRIVATE_URLS: links may reach this machine, the local network and link-local addresses. */
  allowPrivateUrls?: boolean
  /**
   * Whether a link may not connect to `address` (one its host name resolved to). Default: isRefusedByDefault, which
   * allowPrivateUrls turns off. Tests replace it to tell two servers on 127.0.0.1 apart by port.
   */
  isRefusedAddress?: (address: string, url: URL) => boolean
}

/** Redirects followed by hand, each hop checked like the first link. */
export const MAX_REDIRECTS = 5
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const PRIVATE_HINT =
  'set WECHAT_FILE_ALLOW_PRIVATE_URLS=true to allow it (only if the user wants files fetched from this machine or its network)'

type Resolved = { address: string; family: number }

/** How a URL's host name is written to the resolver and to the socket: no IPv6 brackets, lower case. */
function hostKey(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase()
}

/**
 * A socket lookup that answers with the addresses already checked for that host (so a DNS answer that changes
 * between the check and the connection cannot lead elsewhere), and refuses any host that was not checked.
 */
function pinnedLookup(pinned: ReadonlyMap<string, Resolved[]>): LookupFunction {
  return (hostname, options, callback) => {
    const addresses = pinned.get(hostKey(hostname))
    if (!addresses?.length) {
      const err: NodeJS.ErrnoException = new Error(`${hostname} was not checked before connecting`)
      err.code = 'ENOTFOUND'
      callback(err, '', 0)
      return
    }
    if (options.all) (callback as unknown as (e: null, a: Resolved[]) => void)(null, addresses)
    else callback(null, addresses[0].address, addresses[0].family)
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** The scheme and userinfo rules, for the link (`from` undefined) and for every redirect (`from`: where it came from). */
function checkShape(url: URL, from?: string): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return from === undefined
      ? `Only http and https links can be sent (this one is ${url.protocol}). For a file on this machine use \`path\`.`
      : `${from} redirected to a ${url.protocol} link; only http and https links are followed.`
  }
  if (url.username || url.password) {
    return from === undefined
      ? 'the link has a user name or password in it (user:password@…); credentials are never used or sent along. Give a link that needs no login, e.g. a share or download link.'
      : `${from} redirected to a link with a user name or password in it, which is not followed.`
  }
  return undefined
}

/** Removes every visited URL's query string (and the raw input) from an error text. */
function redact(text: string, raw: string, urls: readonly URL[]): string {
  let out = text.split(raw).join('<the link>')
  for (const url of urls) {
    out = out.split(url.href).join(describeUrl(url))
    if (url.search.length > 1) {
      for (const secret of [url.search, url.search.slice(1)]) out = out.split(secret).join('?…')
    }
  }
  return out
}

function errorText(err: unknown): string {
  const cause = (err as Error).cause
  if (cause instanceof Error) return cause.message
  return String(cause ?? (err as Error).message)
}

export async function loadFromUrl(raw: string, options: UrlOptions): Promise<LoadedFile | FileRefusal> {
  const url = parseLink(raw)
  if (!(url instanceof URL)) return url
  const source = describeUrl(url)
  const controller = new AbortController()
  const timeoutMs = options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS
  const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)])
  const pinned = new Map<string, Resolved[]>()
  const agent = new Agent({ connect: { lookup: pinnedLookup(pinned) } })
  const visited = [url]
  try {
    const res = await followRedirects({ visited, source, options, signal, agent, pinned })
    if ('code' in res) return res
    return await takeBody(res, source, visited.at(-1)!, options)
  } catch (err) {
    if (signal.aborted && !controller.signal.aborted) {
      return refusal(`Downloading ${source} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped. Try again later, or send the link as text.`)
    }
    return refusal(`Downloading ${source} failed: ${redact(errorText(err), raw, visited)}. Check that the link works.`)
  } finally {
    // Whatever the answer, the download ends here: a refused body is read no further.
    controller.abort()
    void agent.destroy().catch(() => undefined)
  }
}

function parseLink(raw: string): URL | FileRefusal {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refusal('`url` is not a valid link. Give a full http(s) link to the file, e.g. https://example.com/report.pdf.')
  }
  const bad = checkShape(url)
  return bad ? refusal(bad) : url
}

/** One download under way: the hops so far (the link first), and what every hop is fetched with. */
interface Download {
  visited: URL[]
  source: string
  options: UrlOptions
  signal: AbortSignal
  agent: Agent
  pinned: Map<string, Resolved[]>
}

/** Fetches the link, following redirects by hand: each hop's host is checked and pinned before it is connected to. */
async function followRedirects(download: Download): Promise<Response | FileRefusal> {
  const { visited, source, signal, agent } = download
  for (let hop = visited[0]; ; ) {
    const refused = await checkHost(download, hop)
    if (refused) return refusal(refused)
    const res = await fetch(hop, { signal, redirect: 'manual', dispatcher: agent, headers: { accept: '*/*' } })
    const location = REDIRECT_STATUSES.has(res.status) ? res.headers.get('location') : null
    if (location === null) return res
    await res.body?.cancel().catch(() => undefined)
    if (visited.length > MAX_REDIRECTS) {
      return refusal(`${source} redirected more than ${MAX_REDIRECTS} times. Give the final link to the file itself.`)
    }
    let next: URL
    try {
      next = new URL(location, hop)
    } catch {
      return refusal(`Downloading ${source} failed: it redirected to something that is not a link. Check the link, or ask the user for a direct download link.`)
    }
    const badHop = checkShape(next, source)
    if (badHop) return refusal(badHop)
    visited.push(next)
    hop = next
  }
}

/** Resolves the host of a hop and checks every address it has; pins them for the connection. */
async function checkHost({ visited, source, options, signal, pinned }: Download, hop: URL): Promise<string | undefined> {
  const refuses = options.allowPrivateUrls ? () => false : (options.isRefusedAddress ?? ((address: string) => isRefusedByDefault(address)))
  const host = hostKey(hop.hostname)
  let addresses: Resolved[]
  try {
    addresses = await abortable(lookup(host, { all: true, verbatim: true }), signal)
  } catch (err) {
    if (signal.aborted) throw err
    return `Downloading ${describeUrl(hop)} failed: its host name could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'no address'}). Check the link.`
  }
  if (addresses.length === 0) return `Downloading ${describeUrl(hop)} failed: its host name has no address. Check the link.`
  if (addresses.some((a) => refuses(a.address, hop))) {
    const where = hop === visited[0] ? `the URL (${source})` : `${source} redirected to ${describeUrl(hop)}, which`
    return `${where} points to a private or local address; ${PRIVATE_HINT}.`
  }
  pinned.set(host, addresses)
  return undefined
}

/** The file in the answer to the last hop, or why it is not one to send (its status, size, type or content). */
async function takeBody(res: Response, source: string, final: URL, options: UrlOptions): Promise<LoadedFile | FileRefusal> {
  if (!res.ok) {
    return refusal(`Downloading ${source} failed: the server answered HTTP ${res.status}. Check the link, or ask the user for a direct download link.`)
  }
  const limit = `${Math.round(options.maxBytes / MB)} MB (WECHAT_MAX_FILE_MB)`
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > options.maxBytes) {
    return refusal(`The file at ${source} is ${(declared / MB).toFixed(1)} MB; the limit is ${limit}. Send a link to it as text instead.`)
  }
  const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  const given = cleanName(options.name ?? fileNameFromDisposition(res.headers.get('content-disposition')) ?? lastSegment(final))
  const mediaType = acceptType(source, contentType, given)
  if (typeof mediaType !== 'string') return mediaType
  const bytes = await readCapped(res, options.maxBytes)
  if (!bytes) {
    return refusal(`The file at ${source} is larger than the limit of ${limit}; the download was stopped. Send a link to it as text instead.`)
  }
  if (!mediaType.startsWith('text/') && looksLikeHtml(bytes)) {
    return refusal(`${source} returned a web page, not a file (it may need a login). Ask the user for a direct download link.`)
  }
  if (bytes.length === 0) return refusal(`${source} returned an empty body; nothing to send.`)
  const name = nameFor(given, mediaType)
  return { file: await toFileBox(bytes, name), name, size: bytes.length, mediaType, source }
}

/** The body, or undefined once it passes `maxBytes`: nothing past the cap is read. */
async function readCapped(res: Response, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength
    if (size > maxBytes) return undefined // leaving the loop cancels the body
    chunks.push(Buffer.from(chunk))
  }
  return Buffer.concat(chunks)
}

/** The media type to send under, or why this body is not something to send. */
function acceptType(source: string, contentType: string, name: string): string | FileRefusal {
  if (contentType === 'text/html' || contentType === 'application/xhtml+xml') {
    return refusal(`${source} returned a web page (text/html), not a file. Give a direct link to the file itself, or send the page link as text.`)
  }
  if (KNOWN_TYPES.has(contentType) || /^(image|video|audio)\//.test(contentType)) return contentType
  if (GENERIC_TYPES.has(contentType)) {
    const byName = typeOfName(name)
    if (byName) return byName
    return refusal(`${source} did not say what kind of file it is (${contentType ? quote(contentType) : 'no content type'}) and its name ${quote(name)} has no known extension. Give \`name\` with the right extension (e.g. report.pdf) if it really is a file.`)
  }
  return refusal(`${source} is of type ${quote(contentType)}, which is not a file type this tool sends (images, PDF, office documents, text, archives, audio and video are).`)
}

export type Confined = Ok<{ path: string }> | FileRefusal

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel)
}

/**
 * The real path of `requested` when it is a file inside one of `dirs`. Checked twice: as written (so `..` cannot
 * even probe outside) and after resolving symlinks (so a link inside cannot point outside). A relative path is
 * taken relative to the first directory.
 */
export async function confinePath(requested: string, dirs: readonly string[]): Promise<Confined> {
  if (dirs.length === 0) {
    return refusal('Sending local files is turned off: no directories are configured. The user can set WECHAT_FILE_DIRS to the absolute directories files may be sent from; until then, send a URL instead.')
  }
  const allowed = `Files can only be sent from ${dirs.join(', ')} (WECHAT_FILE_DIRS)`
  const lexical = path.resolve(dirs[0], requested)
  const realDirs = (await Promise.all(dirs.map((d) => realpath(d).catch(() => undefined)))).filter((d): d is string => d !== undefined)
  if (!dirs.some((d) => isInside(lexical, d)) && !realDirs.some((d) => isInside(lexical, d))) {
    return refusal(`"${requested}" is outside the allowed directories. ${allowed}.`)
  }
  let real: string
  try {
    real = await realpath(lexical)
  } catch {
    return refusal(`there is no file "${requested}". ${allowed}; check the name.`)
  }
  if (!realDirs.some((d) => isInside(real, d))) {
    return refusal(`"${requested}" leads outside the allowed directories (through a symbolic link). ${allowed}.`)
  }
  return { ok: true, path: real }
}

/** Whether two stats are of the same file (same device and inode): the one checked is the one opened. */
export function sameFile(a: Pick<Stats, 'dev' | 'ino'>, b: Pick<Stats, 'dev' | 'ino'>): boolean {
  return a.dev === b.dev && a.ino === b.ino
}

/**
 * Flags for opening a file to send: never blocks (a FIFO with no writer would otherwise hold a libuv worker thread
 * forever, and four of them stop every fs call and DNS lookup), never follows a symlink put in place of the file
 * after it was checked.
 */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW

const READ_CHUNK = 64 * 1024

/** Reads at most `limit` bytes through the handle; `undefined` when there are more (the file grew past the limit). */
async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let total = 0
  for (;;) {
    // One byte past the limit is enough to know the file is too large; nothing more is read.
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, limit + 1 - total))
    const { bytesRead } = await handle.read(buf, 0, buf.length, null)
    if (bytesRead === 0) return Buffer.concat(chunks, total)
    chunks.push(buf.subarray(0, bytesRead))
    total += bytesRead
    if (total > limit) return undefined
  }
}

/**
 * Where the opened file really is, on Linux (/proc/self/fd): catches a directory on the way swapped for a symlink
 * between the confinement check and the open, which the final-component checks cannot see. Undefined elsewhere.
 */
async function openedPath(handle: FileHandle): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  return readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined)
}

export async function loadFromPath(requested: string, options: { dirs: readonly string[]; maxBytes: number; name?: string }): Promise<LoadedFile | FileRefusal> {
  const confined = await confinePath(requested, options.dirs)
  if (!confined.ok) return confined
  const limit = `the limit is ${Math.round(options.maxBytes / MB)} MB (WECHAT_MAX_FILE_MB)`
  const tooLarge = (size: number) => refusal(`"${requested}" is ${(size / MB).toFixed(1)} MB; ${limit}.`)
  const changed = refusal(`"${requested}" changed while it was being opened (replaced or moved). Try again once it is no longer being written.`)
  // Checked before opening: opening a FIFO, a socket or a device may block or have side effects.
  let checked: Stats
  try {
    checked = await stat(confined.path)
  } catch {
    return refusal(`"${requested}" cannot be read by the server.`)
  }
  if (!checked.isFile()) {
    return refusal(`"${requested}" is not a regular file (it is a directory, pipe, socket or device). Only regular files can be sent.`)
  }
  if (checked.size > options.maxBytes) return tooLarge(checked.size)
  if (checked.size === 0) return refusal(`"${requested}" is empty.`)
  let handle: FileHandle
  try {
    handle = await open(confined.path, OPEN_FLAGS)
  } catch (err) {
    // ELOOP: the file became a symbolic link after it was checked.
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') return changed
    return refusal(`"${requested}" cannot be read by the server.`)
  }
  try {
    const opened = await handle.stat()
    if (!opened.isFile() || !sameFile(checked, opened)) return changed
    const where = await openedPath(handle)
    if (where !== undefined && where !== confined.path) {
      const again = await confinePath(where, options.dirs)
      if (!again.ok || again.path !== where) return changed
    }
    const bytes = await readAtMost(handle, options.maxBytes)
    if (!bytes) return refusal(`"${requested}" grew past the size limit while it was being read; ${limit}.`)
    if (bytes.length === 0) return refusal(`"${requested}" is empty.`)
    const given = cleanName(options.name ?? path.basename(confined.path))
    const mediaType = typeOfName(given) ?? typeOfName(confined.path) ?? 'application/octet-stream'
    const name = nameFor(given, mediaType)
    return { file: await toFileBox(bytes, name), name, size: bytes.length, mediaType, source: confined.path }
  } finally {
    await handle.close()
  }
}
