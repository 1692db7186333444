/**
 * The owner's short answers typed in WeChat: `yes abcde` / `no abcde` (also `y`/`n`, `ok`, `allow`/`deny`, `是`/`否`,
 * `好`/`不`), followed by the 4–8 character code the question carried. One parser for every question the server asks the owner (tool approvals, send confirmations), so the owner
 * learns one way to answer.
 */

/** Claude Code's permission request ids: five lowercase letters, a–z without `l` (it reads like 1 on a phone). */
export const REQUEST_ID_PATTERN = /^[a-km-z]{5}$/

export const VERDICTS = ['allow', 'deny'] as const
export type Verdict = (typeof VERDICTS)[number]

const WORDS: Record<string, Verdict> = {
  yes: 'allow',
  y: 'allow',
  ok: 'allow',
  allow: 'allow',
  approve: 'allow',
  是: 'allow',
  好: 'allow',
  同意: 'allow',
  no: 'deny',
  n: 'deny',
  deny: 'deny',
  reject: 'deny',
  否: 'deny',
  不: 'deny',
  拒绝: 'deny',
}

export interface ParsedVerdict {
  verdict: Verdict
  /** The code the question carried, lower-cased. */
  code: string
  /** `@name` when the owner named the session (needed only when two sessions asked with the same code). */
  session?: string
}

/**
 * `yes abcde`, `YES ABCDE`, `是 abcde`, `是abcde`, `no abcde @proj-a`. Anything else (a sentence that merely starts with
 * "yes") is no verdict, so an ordinary message is never taken for an answer.
 */
export function parseVerdict(text: string): ParsedVerdict | undefined {
  const match = /^\s*(?:([a-z]+)[\s,:]+|([\u4e00-\u9fff]{1,2})[\s,，:：]*)([a-z0-9]{4,8})(?:\s+@([\w.-]{1,40}))?\s*[.!。！]?\s*$/iu.exec(
    text.normalize('NFKC'),
  )
  if (!match) return undefined
  const verdict = WORDS[(match[1] ?? match[2]!).toLowerCase()]
  const code = match[3]!.toLowerCase()
  if (!verdict) return undefined
  return { verdict, code, ...(match[4] ? { session: match[4].toLowerCase() } : {}) }
}
