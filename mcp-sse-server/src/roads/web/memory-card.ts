/**
 * Wechaty keeps the saved login in DATA_DIR/<name>.memory-card.json. When that file is not valid JSON (a crash or a
 * full disk while it was written), Wechaty only prints a line to its own stderr, starts with an empty card and asks
 * for a new scan; at the next login it overwrites the file. Here the problem is found first, reported in the JSON
 * log and /health, and the file is moved aside so whoever looks into it later still can.
 */
import { readFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from '../../logger.js'
import { describeFsError } from '../../wechat/fs-errors.js'

export interface MemoryCardProblem {
  /** Plain words, no path (shown in /health). */
  error: string
  /** The file name the corrupt card was moved to, beside the original. */
  movedTo?: string
  since: string
}

export function inspectMemoryCard(name: string, logger: Logger): MemoryCardProblem | undefined {
  const file = `${name}.memory-card.json`
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return report(logger, file, { error: `the saved WeChat login cannot be read: ${describeFsError(err)}`, since: now() })
  }
  const invalid = whyInvalid(text)
  if (!invalid) return undefined
  const movedTo = `${path.basename(file)}.corrupt-${now().replace(/[:.]/g, '-')}`
  let moved = true
  try {
    renameSync(file, path.join(path.dirname(file), movedTo))
  } catch {
    moved = false
  }
  return report(logger, file, {
    error: `the saved WeChat login (memory card) is corrupt: ${invalid}; a new QR scan is needed`,
    ...(moved ? { movedTo } : {}),
    since: now(),
  })
}

function whyInvalid(text: string): string | undefined {
  if (text.trim() === '') return 'the file is empty'
  try {
    const value: unknown = JSON.parse(text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object'
    return undefined
  } catch (err) {
    return `not valid JSON (${(err as Error).message.slice(0, 120)})`
  }
}

function report(logger: Logger, file: string, problem: MemoryCardProblem): MemoryCardProblem {
  logger.error({ file, ...problem }, 'WeChat memory card unusable; the login has to be scanned again')
  return problem
}

function now(): string {
  return new Date().toISOString()
}
