import * as z from 'zod'
import { EVENT_TYPES, sendEvent } from '../notify/event.js'
import { reportOutputSchema } from '../notify/report.js'
import { defineTool } from './lib/define.js'
import { reportResult } from './lib/notify-report.js'
import { SEND_ANNOTATIONS } from './lib/shared.js'

export default defineTool({
  name: 'notify_event',
  title: 'Report a run event',
  description:
    'Reports a structured event of a long-running task (an agent run, a build, a job) to the user\'s notification ' +
    'channels, rendered as a title like "✅ end · run-42" and a body with the message, the data as key: value lines and ' +
    'the time. Send "start" when a run begins, "update" for a milestone, "end" when it finishes and "error" when it ' +
    'fails; keep the same run_id for one run. Which event types are delivered is the user\'s choice (NOTIFY_EVENTS): a ' +
    'filtered type is reported as skipped, which is not an error. It is an error only when every channel failed or ' +
    'none is configured.',
  annotations: SEND_ANNOTATIONS,
  inputSchema: {
    run_id: z.string().trim().min(1).max(100).describe('Identifies the run, e.g. "build-1234"; the same for all its events'),
    event: z.enum(EVENT_TYPES).describe('start, update, end or error'),
    message: z.string().trim().min(1).max(4000).describe('What happened, in one or a few sentences'),
    data: z
      .record(z.string().max(100), z.unknown())
      .optional()
      .describe('Optional facts shown as "key: value" lines, e.g. {"tests":"212 passed","duration":"4m"}'),
    timestamp: z.string().max(64).optional().describe('When it happened (ISO-8601); now when omitted'),
  },
  outputSchema: reportOutputSchema,
  async handler(ev, { notifier, config }) {
    return reportResult(await sendEvent(notifier, config.notify.events, ev), notifier)
  },
})
