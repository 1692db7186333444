import { describe, expect, it } from 'vitest'
import { renderEvent, sendEvent } from '../../src/notify/event.js'
import type { Notifier, NotifyRequest } from '../../src/notify/types.js'

function recordingNotifier(): Notifier & { sent: NotifyRequest[] } {
  const sent: NotifyRequest[] = []
  return {
    sent,
    configuredChannels: () => ['bark'],
    status: () => ({ on: ['bark'], halfConfigured: [] }),
    send: async (request) => {
      sent.push(request)
      return { results: [{ channel: 'bark', ok: true, durationMs: 1 }] }
    },
  }
}

describe('notify_event rendering', () => {
  it('titles with event and run id; body = message, data lines, time', () => {
    const rendered = renderEvent({
      run_id: 'run-42',
      event: 'end',
      message: 'Deploy finished',
      data: { tests: '212 passed', duration_s: 248, ok: true, env: { region: 'eu' } },
      timestamp: '2025-05-01T10:00:00+02:00',
    })
    expect(rendered).toEqual({
      title: '✅ end · run-42',
      content: 'Deploy finished\n\ntests: 212 passed\nduration_s: 248\nok: true\nenv: {"region":"eu"}\n\ntime: 2025-05-01T08:00:00.000Z',
    })
  })

  it('uses an icon per event type, the current time when none is given, and keeps an unparseable timestamp verbatim', () => {
    const now = () => new Date('2025-01-02T03:04:05.000Z')
    expect(renderEvent({ run_id: 'r', event: 'start', message: 'go' }, now)).toEqual({ title: '🚀 start · r', content: 'go\n\ntime: 2025-01-02T03:04:05.000Z' })
    expect(renderEvent({ run_id: 'r', event: 'update', message: 'm' }, now).title).toBe('🔄 update · r')
    expect(renderEvent({ run_id: 'r', event: 'error', message: 'm', timestamp: 'yesterday' }, now)).toEqual({ title: '❌ error · r', content: 'm\n\ntime: yesterday' })
  })

  it('sends allowed event types and reports filtered ones as skipped without sending', async () => {
    const notifier = recordingNotifier()
    const sent = await sendEvent(notifier, ['end', 'error'], { run_id: 'r', event: 'end', message: 'done' }, ['bark'])
    expect(sent.results).toHaveLength(1)
    expect(notifier.sent[0]).toMatchObject({ title: '✅ end · r', channels: ['bark'] })

    const skipped = await sendEvent(notifier, ['end', 'error'], { run_id: 'r', event: 'update', message: 'halfway' })
    expect(skipped).toEqual({ skipped: expect.stringContaining('NOTIFY_EVENTS=end,error'), results: [] })
    expect(notifier.sent).toHaveLength(1)
  })
})
