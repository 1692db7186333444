/**
 * One clock for message times and send times. Every stamp is later than the one before, whoever took it, so a
 * message kept after a send always carries a later time than that send's `sentAt`, even within the same millisecond:
 * `since: sentAt` (getRecentMessages, the waits) then never misses the send's own echo or a fast answer. The
 * composition root makes one and hands it to the inbox, the sender and the iLink road; each makes its own otherwise.
 */
export class Stamps {
  private last = 0

  /** `Date.now()` looked up at each call, so a test that fakes the clock moves these stamps too. */
  constructor(private readonly now: () => number = () => Date.now()) {}

  next(): number {
    this.last = Math.max(this.now(), this.last + 1)
    return this.last
  }
}
