/**
 * A road into WeChat: one way this process reaches the account. The web road (any Wechaty puppet: wechat4u, the
 * mock, a token gateway) reaches friends and groups; the iLink road (WeChat's official ClawBot) reaches only the
 * owner. Both answer to this one small contract; the composition root (compose.ts) builds them from the registry
 * (roads/index.ts) and hands the narrow parts (sender, inbox, directory, login state) to tools, the login page and
 * /health. A third road is one folder under roads/ plus one line in roads/index.ts.
 */
import type { EventEmitter } from 'node:events'
import type { ChatType, InboxMessage } from '../wechat/inbox.js'

/** Every login state a road can be in; the one list behind types, schemas, /health and the docs. */
export const ROAD_STATUSES = [
  'off',
  'starting',
  'waiting_for_scan',
  'scanned',
  'logged_in',
  'logged_out',
  'expired',
  'failed',
] as const
export type RoadStatus = (typeof ROAD_STATUSES)[number]

export const ROAD_IDS = ['web', 'ilink'] as const
export type RoadId = (typeof ROAD_IDS)[number]

export interface RoadState {
  status: RoadStatus
  /** Plain language: why the road is in this state (secrets scrubbed). */
  reason?: string
  /** Plain language: what the user should do next, when anything. */
  action?: string
  user?: { id: string; name: string }
  /** The value to encode as a QR code, while a scan is awaited (waiting_for_scan, scanned, expired with a new QR). */
  qr?: string
  /** ISO 8601: when this state began. */
  since: string
}

/** A message as a road hands it to the inbox; the inbox stamps its `time`. */
export type RoadMessage = Omit<InboxMessage, 'time'>

export interface RoadEvents {
  state: [RoadState]
  /** A message seen on this road (inbound, or the account's own send echoed back), ready for the inbox. */
  message: [RoadMessage]
}

/** Who a send goes to on this road: a chat id the road handed out (the iLink road's owner is a contact). */
export interface RoadTarget {
  type: ChatType
  id: string
}

/** What a road sends: text, or a file already loaded and checked (wechat/files.ts). */
export type OutboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'file'; name: string; mediaType: string; size: number; bytes: () => Promise<Buffer> }

export interface Road extends EventEmitter<RoadEvents> {
  readonly id: RoadId
  readonly state: RoadState
  /** Starts in the background; never throws: a road that cannot start reports `failed` with the reason. */
  start(): Promise<void>
  /** Stops, keeping what lets the next start resume without a scan. */
  stop(): Promise<void>
  /** Forgets the login (the next start shows a QR). */
  logout(): Promise<void>
  /**
   * Sends one message; resolves once the road accepted it, throws (with a plain-language message) when it did not.
   * Policy (send rule, allow-list, pacing, audit) is the sender's, before this is called.
   */
  send(to: RoadTarget, content: OutboundContent): Promise<void>
}

/**
 * WeChat took the message but did not confirm it in time: it may still arrive. Thrown by a road's send, so the sender
 * can say "not confirmed" instead of "not sent" without reading the words.
 */
export class SendUnconfirmedError extends Error {
  constructor(readonly afterS: number) {
    super(`WeChat did not confirm within ${afterS} s (it may still arrive: check the chat before sending again)`)
  }
}

/** A state stamped with now; roads build every state through this. */
export function roadState(state: Omit<RoadState, 'since'>): RoadState {
  return { ...state, since: new Date().toISOString() }
}
