/**
 * The fallback for clients that cannot be asked: a send first comes back as a preview with a one-time id, and only a
 * second call that carries that id, from the same session, to the same recipient, with the same text or file, sends.
 * Any use of an id spends it, so a guess or a tampered retry cannot be followed by another try with the same id.
 */
import { randomBytes } from 'node:crypto'
import { PREVIEW_TTL_MS } from './settings.js'

/** What a preview is bound to: all of it must match on the confirming call. */
export interface PreviewBinding {
  session: string
  /** `contact:<id>` or `room:<id>`: the exact recipient, never a name that could match someone else later. */
  recipient: string
  /** SHA-256 of the exact text, or of the file's bytes, name and caption. */
  digest: string
}

export type Redeemed = { ok: true } | { ok: false; why: string }

/** Unambiguous on a phone or a screen: no 0/o, 1/l/i. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
const MAX_OPEN = 1000

export function randomCode(length: number): string {
  const bytes = randomBytes(length)
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')
}

export class Previews {
  private readonly open = new Map<string, PreviewBinding & { expiresAt: number }>()

  constructor(private readonly now: () => number = Date.now) {}

  issue(binding: PreviewBinding): { id: string; expiresAt: string } {
    this.sweep()
    while (this.open.size >= MAX_OPEN) this.open.delete(this.open.keys().next().value!)
    const id = `c-${randomCode(10)}`
    const expiresAt = this.now() + PREVIEW_TTL_MS
    this.open.set(id, { ...binding, expiresAt })
    return { id, expiresAt: new Date(expiresAt).toISOString() }
  }

  redeem(id: string, binding: PreviewBinding): Redeemed {
    const found = this.open.get(id)
    this.open.delete(id)
    if (!found) return { ok: false, why: 'no open preview has this id (it was used already, or never issued)' }
    if (found.expiresAt <= this.now()) return { ok: false, why: 'it expired (a preview is good for 5 minutes)' }
    if (found.session !== binding.session) return { ok: false, why: 'it was issued to another MCP session' }
    if (found.recipient !== binding.recipient) return { ok: false, why: 'it was issued for another recipient' }
    if (found.digest !== binding.digest) return { ok: false, why: 'the text or file differs from the one previewed' }
    return { ok: true }
  }

  private sweep(): void {
    const now = this.now()
    // Kept a while past expiry, so a late confirmation hears "expired" rather than "unknown".
    for (const [id, p] of this.open) if (p.expiresAt + PREVIEW_TTL_MS <= now) this.open.delete(id)
  }
}
