/**
 * Settings that are valid but probably not what the operator meant: the server starts, and says at start what to
 * do about each. Pure apart from looking at the file system (WECHAT_FILE_DIRS).
 */
import { statSync } from 'node:fs'

export interface WarningInput {
  /** The process environment: only near-misses by one edit are reported (it holds PATH, HOME and the like). */
  env: Readonly<Record<string, string | undefined>>
  /** The `.env` file's text, when one was read: every name in it is meant for this server. */
  dotenvText?: string
  /** The variables merged from both, as validated. */
  raw: Readonly<Record<string, string | undefined>>
  known: ReadonlySet<string>
  fileDirs: readonly string[]
}

export function configWarnings({ env, dotenvText, raw, known, fileDirs }: WarningInput): string[] {
  const warnings: string[] = []
  const dotenvNames = new Set<string>()
  for (const [i, line] of (dotenvText ?? '').split(/\r?\n/).entries()) {
    const trimmed = line.trim()
    if (!trimmed || trimmed.startsWith('#')) continue
    const name = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=/.exec(trimmed)?.[1]
    if (name) dotenvNames.add(name)
    else warnings.push(`.env line ${i + 1} has no "=" and is ignored: write it as NAME=value, or start it with # to keep it as a comment`)
  }
  const lookalike = (name: string, maxDistance: number) => {
    if (known.has(name) || name.length < 4) return
    const near = [...known].map((k) => ({ k, d: distance(name, k) })).filter(({ d }) => d <= maxDistance).sort((a, b) => a.d - b.d)[0]
    if (near) warnings.push(`${name} is not a variable this server reads; did you mean ${near.k}? Rename it (docs/configuration.md lists every variable)`)
  }
  for (const name of dotenvNames) lookalike(name, 2)
  for (const name of Object.keys(env)) if (!dotenvNames.has(name) && /^[A-Z][A-Z0-9_]*$/.test(name)) lookalike(name, 1)

  if (raw.WECHAT_MOCK_FIXTURE !== undefined && raw.WECHATY_PUPPET !== 'mock') {
    warnings.push('WECHAT_MOCK_FIXTURE is set but this is not the sandbox, so it is ignored: run `npm run sandbox` (WECHATY_PUPPET=mock) to use it, or remove it')
  }
  for (const dir of fileDirs) {
    let isDir = false
    try {
      isDir = statSync(dir).isDirectory()
    } catch {
      // Reported below: missing and unreadable read the same to the operator.
    }
    if (!isDir) warnings.push(`WECHAT_FILE_DIRS: "${dir}" is not an existing folder, so no file can be sent from it: create it or correct the path`)
  }
  const host = raw.HOST ?? '127.0.0.1'
  if ((host === '0.0.0.0' || host === '::') && raw.ALLOWED_HOSTS === undefined) {
    warnings.push(
      `HOST=${host} listens on every interface, but ALLOWED_HOSTS is the default (loopback names only), so clients that reach this server by another address or name are refused with 403: set ALLOWED_HOSTS to the names they use, with the port (e.g. ALLOWED_HOSTS=my-server:8083,192.168.1.10:8083)`,
    )
  }
  return warnings
}

/** Edit distance counting a swap of two neighbours as one edit (PROT → PORT). */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}
