/** notify_event: a structured run event rendered into a readable notification, filtered by NOTIFY_EVENTS. */
import type { NotifyMessage, NotifyReport, Notifier } from './types.js'

export const EVENT_TYPES = ['start', 'update', 'end', 'error'] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface NotifyEvent {
  run_id: string
  event: EventType
  message: string
  data?: Record<string, unknown>
  /** ISO-8601; the time of rendering when absent. */
  timestamp?: string
}

const ICONS: Record<EventType, string> = { start: '🚀', update: '🔄', end: '✅', error: '❌' }

/** Title "✅ end · run-42"; body: the message, then `key: value` lines for data, then the time. */
export function renderEvent(ev: NotifyEvent, now: () => Date = () => new Date()): NotifyMessage {
  const lines = [ev.message]
  const entries = Object.entries(ev.data ?? {})
  if (entries.length) lines.push('', ...entries.map(([k, v]) => `${k}: ${readable(v)}`))
  lines.push('', `time: ${readableTime(ev.timestamp, now)}`)
  return { title: `${ICONS[ev.event]} ${ev.event} · ${ev.run_id}`, content: lines.join('\n') }
}

function readable(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined) return 'undefined'
  return JSON.stringify(value)
}

/** A parseable timestamp is shown in ISO form (UTC); anything else verbatim. */
function readableTime(timestamp: string | undefined, now: () => Date): string {
  if (timestamp === undefined) return now().toISOString()
  const ms = Date.parse(timestamp)
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString()
}

/** Renders and sends, unless NOTIFY_EVENTS leaves this event type out (then the report says it was skipped). */
export async function sendEvent(
  notifier: Notifier,
  allowedEvents: readonly string[],
  ev: NotifyEvent,
  channels?: string[],
): Promise<NotifyReport> {
  if (!allowedEvents.includes(ev.event)) {
    return { skipped: `"${ev.event}" events are not delivered (NOTIFY_EVENTS=${allowedEvents.join(',')})`, results: [] }
  }
  return notifier.send({ ...renderEvent(ev), channels })
}
