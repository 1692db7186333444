/**
 * Wrong MCP_AUTH_TOKEN guesses, counted per client address. A few mistakes are free (a client set up with an old
 * token retries a handful of times); past that the address is refused for a time that doubles with every further
 * wrong token, up to a cap, and forgotten once it stops guessing. While refused, a token from that address is not
 * even compared, so the answer (429) tells nothing about whether it was right. Requests without any token are not
 * guesses and are never refused here: clients probing for OAuth still learn what the server needs.
 */
import type { Logger } from '../logger.js'

export interface TokenGuardOptions {
  /** Wrong tokens an address may present before it is refused. */
  freeFailures?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** An address that has not guessed for this long starts afresh. */
  forgetAfterMs?: number
  /** Addresses remembered at once; the stalest are dropped beyond it. */
  maxAddresses?: number
  now?: () => number
}

interface Guesses {
  failures: number
  blockedUntil: number
  lastFailure: number
}

export const TOKEN_GUARD_DEFAULTS = {
  freeFailures: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
  maxAddresses: 10_000,
} as const

export class TokenGuard {
  private readonly records = new Map<string, Guesses>()
  private readonly options: Required<Omit<TokenGuardOptions, 'now'>>
  private readonly now: () => number

  constructor(
    private readonly log?: Logger,
    options: TokenGuardOptions = {},
  ) {
    const { now, ...rest } = options
    this.options = { ...TOKEN_GUARD_DEFAULTS, ...rest }
    this.now = now ?? Date.now
  }

  /** Whole seconds until `address` may present a token again; 0 when it may now. */
  retryAfterS(address: string): number {
    const record = this.fresh(address)
    if (!record) return 0
    const wait = record.blockedUntil - this.now()
    return wait > 0 ? Math.ceil(wait / 1000) : 0
  }

  /** A wrong token from `address`. */
  failed(address: string): void {
    const now = this.now()
    const record = this.fresh(address) ?? { failures: 0, blockedUntil: 0, lastFailure: now }
    record.failures++
    record.lastFailure = now
    const over = record.failures - this.options.freeFailures
    if (over > 0) {
      const delay = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 30))
      record.blockedUntil = now + delay
      this.log?.warn(
        { address, wrongTokens: record.failures, retryAfterS: Math.ceil(delay / 1000) },
        'wrong MCP_AUTH_TOKEN from this address too often: its tokens are refused for a while',
      )
    }
    // Re-inserted, so the map's order is least recently guessing first.
    this.records.delete(address)
    this.records.set(address, record)
    this.trim(now)
  }

  /** The record of `address`, unless it is old enough to be forgotten. */
  private fresh(address: string): Guesses | undefined {
    const record = this.records.get(address)
    if (record && this.expired(record, this.now())) {
      this.records.delete(address)
      return undefined
    }
    return record
  }

  private expired(record: Guesses, now: number): boolean {
    return record.blockedUntil <= now && now - record.lastFailure >= this.options.forgetAfterMs
  }

  private trim(now: number): void {
    if (this.records.size <= this.options.maxAddresses) return
    for (const [address, record] of this.records) if (this.expired(record, now)) this.records.delete(address)
    for (const address of this.records.keys()) {
      if (this.records.size <= this.options.maxAddresses) break
      this.records.delete(address)
    }
  }
}
