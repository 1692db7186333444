/**
 * One clock for message times and send times. Every stamp is later than the one before, whoever took it, so a
 * message kept after a send always carries a later time than that send's `sentAt`, even within the same millisecond:
 * `since: sentAt` (getRecentMessages, the waits) then never misses the send's own echo or a fast answer.
 */
export class Stamps {
  private last = 0

  constructor(private readonly now: () => number = Date.now) {}

  next(): number {
    this.last = Math.max(this.now(), this.last + 1)
    return this.last
  }
}

/** The process's stamps. A part given a clock of its own (a test's hand-moved clock) keeps stamps of its own. */
export const processStamps = new Stamps()

export function stampsFor(now: (() => number) | undefined): Stamps {
  return now ? new Stamps(now) : processStamps
}
