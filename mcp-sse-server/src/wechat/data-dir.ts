/**
 * The start-up check of DATA_DIR: it exists (created 0700 when missing), takes a real write (a read-only mount, a
 * directory owned by someone else and a full disk all fail here, each named), the audit log can be appended to, and
 * its last line is whole. A server that cannot keep its audit log must not start answering sends.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import path from 'node:path'
import { AUDIT_MAX_LINE_BYTES, repairAuditLogAtStart } from './audit.js'
import { describeFsError } from './fs-errors.js'

export type DataDirCheck = { ok: true; repairedBytes?: number } | { ok: false; message: string }

export function checkDataDir(dataDir: string): DataDirCheck {
  const step = (what: string, work: () => void): string | undefined => {
    try {
      work()
      return undefined
    } catch (err) {
      return `DATA_DIR=${dataDir}: ${what}: ${describeFsError(err)}`
    }
  }
  const missing = !existsSync(dataDir)
  const problem =
    step(missing ? 'cannot create it' : 'cannot use it', () => {
      createDir(dataDir)
      if (!statSync(dataDir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
    }) ??
    step('cannot write a file in it', () => writeProbe(path.join(dataDir, `.write-check-${process.pid}`))) ??
    step('cannot append to audit.jsonl', () => closeSync(openSync(path.join(dataDir, 'audit.jsonl'), 'a', 0o600)))
  if (problem) return { ok: false, message: `${problem}. ${advice(problem)}` }
  let repaired: { bytes: number } | undefined
  const repairProblem = step('cannot repair the torn last line of audit.jsonl', () => (repaired = repairAuditLogAtStart(dataDir)))
  if (repairProblem) return { ok: false, message: `${repairProblem}. ${advice(repairProblem)}` }
  return { ok: true, ...(repaired ? { repairedBytes: repaired.bytes } : {}) }
}

/**
 * A recursive mkdir under a read-only or foreign directory reports ENOENT; creating the first missing level on its
 * own reports the real cause (EROFS, EACCES).
 */
function createDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    let first = path.resolve(dir)
    while (!existsSync(path.dirname(first)) && path.dirname(first) !== first) first = path.dirname(first)
    mkdirSync(first, { mode: 0o700 })
    throw err
  }
}

/** A line-sized write, synced: a full disk refuses it here, not at the first send. */
function writeProbe(file: string): void {
  try {
    const fd = openSync(file, 'w', 0o600)
    try {
      writeSync(fd, Buffer.alloc(AUDIT_MAX_LINE_BYTES, 0x20))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } finally {
    rmSync(file, { force: true })
  }
}

function advice(problem: string): string {
  const base = 'The login session and the audit log of every send live there, so the server does not start without it.'
  if (/EROFS/.test(problem)) return `${base} Mount it read-write, or point DATA_DIR at a writable directory.`
  if (/EACCES|EPERM/.test(problem)) return `${base} Give the user running the server (uid ${process.getuid?.() ?? '?'}) write access to it, or point DATA_DIR elsewhere.`
  if (/ENOSPC|EDQUOT/.test(problem)) return `${base} Free space on that disk (old audit.jsonl.N files can be archived elsewhere).`
  return `${base} Fix it, or point DATA_DIR at a writable directory.`
}
