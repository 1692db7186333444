/**
 * The owner's answers to send confirmations asked on their phone. One registry, consulted by the composition root for
 * every message a road delivers before the inbox keeps it: a message that answers an open question is consumed here,
 * so it is never also pushed into a session as a channel event, nor read as the owner's reply by a waiting tool. Only the owner's own message, carrying
 * the open question's code, decides it; anything else (another code, a sentence, a friend writing `ok k7fq`) is left
 * alone and decides nothing.
 */
import { parseVerdict, type Verdict } from '../channel/verdict.js'
import type { RoadMessage } from '../roads/road.js'
import { randomCode } from './previews.js'

export class OwnerAnswers {
  private readonly open = new Map<string, (verdict: Verdict | undefined) => void>()

  constructor(private readonly isOwner: (message: RoadMessage) => boolean) {}

  /** A fresh code no open question uses. */
  newCode(): string {
    for (;;) {
      const code = randomCode(4)
      if (!this.open.has(code)) return code
    }
  }

  /** Resolves with the owner's verdict on `code`, or undefined when the signal ends the wait first. */
  wait(code: string, signal: AbortSignal): Promise<Verdict | undefined> {
    return new Promise((resolve) => {
      const done = (verdict: Verdict | undefined) => {
        this.open.delete(code)
        signal.removeEventListener('abort', aborted)
        resolve(verdict)
      }
      const aborted = () => done(undefined)
      if (signal.aborted) return resolve(undefined)
      this.open.set(code, done)
      signal.addEventListener('abort', aborted, { once: true })
    })
  }

  /** Closes a question that could not be put to the owner. */
  cancel(code: string): void {
    this.open.get(code)?.(undefined)
  }

  /** True when the message answered an open question (it is then consumed). */
  take(message: RoadMessage): boolean {
    if (this.open.size === 0 || !this.isOwner(message)) return false
    const parsed = parseVerdict(message.text ?? '')
    const answer = parsed && this.open.get(parsed.code)
    if (!answer) return false
    answer(parsed.verdict)
    return true
  }
}
