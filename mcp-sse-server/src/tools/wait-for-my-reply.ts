import * as z from 'zod'
import { OWNER_ROAD_IDS } from '../owner/owner-road.js'
import { defineTool, failure, success } from './lib/define.js'
import { describeMessage, messageShape, parseSince } from './lib/chat-target.js'
import { waitInChat } from './lib/waiting.js'

const DEFAULT_TIMEOUT_S = 600
const WAIT_ERRORS = ['not_logged_in', 'road_unavailable', 'invalid_argument', 'too_many_waits', 'cancelled'] as const

export default defineTool({
  name: 'waitForMyReply',
  title: 'Wait for the user to answer on WeChat',
  description:
    'Waits until the user themself writes to you on WeChat, and returns their message; or, if they do not within ' +
    '`timeoutSeconds`, says so (not an error). Use it after asking the user something with sendMessageToMe (pass its `sentAt` ' +
    'as `since`, so an answer that came in meanwhile is not missed). Your own messages to the user never count as the answer. ' +
    'People answer from their phone in minutes or hours: wait at least 300 s, longer when the user said they would answer ' +
    'later; the default is 600 s and the server caps it at WECHAT_MAX_WAIT_S. If it times out, wait again or carry on as the ' +
    'user asked; do not send the question again unless they ask. The answer comes through ClawBot (iLink) or, on the web road, ' +
    'File Transfer (文件传输助手), which the user also uses to move files between devices: if a message does not read as an answer ' +
    'to you, say so and wait again. The same conversation is the chat "me" in listRecentChats and getRecentMessages. While ' +
    'waiting it sends progress notifications when the client asked for them; cancelling the call stops the wait.',
  inputSchema: {
    timeoutSeconds: z.number().int().min(1).max(30 * 86_400).optional().describe(`how long to wait, in seconds (default ${DEFAULT_TIMEOUT_S})`),
    since: z.string().max(40).optional().describe('also accept a message that arrived after this ISO 8601 time (e.g. the `sentAt` of the question); default: from now'),
  },
  outputSchema: {
    status: z.enum(['replied', 'timeout']).optional().describe('replied: the user answered; timeout: not yet; absent when `error` is set'),
    road: z.enum(OWNER_ROAD_IDS).optional().describe('the road to the user when the wait started: ClawBot (iLink) or File Transfer'),
    message: messageShape.optional().describe('the user\'s message, when status is "replied"'),
    waitedSeconds: z.number().int().optional(),
    timeoutSeconds: z.number().int().optional().describe('the wait actually used, after the server cap'),
    error: z
      .enum(WAIT_ERRORS)
      .optional()
      .describe('why there is no answer and no timeout: not_logged_in (no road to the user is logged in), road_unavailable (WECHAT_OWNER_ROAD rules the open ones out), invalid_argument, too_many_waits, cancelled'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  taskSupport: 'optional',
  async handler({ timeoutSeconds, since }, deps, extra) {
    const { owner, config } = deps
    const choice = owner.road()
    if (!choice.ok) return failure(`Not waiting: ${choice.detail}`, { error: choice.code })
    const road = choice.road
    const sinceMs = parseSince(since)
    if (typeof sinceMs === 'string') return failure(sinceMs, { error: 'invalid_argument', road })
    const timeoutS = Math.min(timeoutSeconds ?? DEFAULT_TIMEOUT_S, config.wait.maxWaitS)
    const end = await waitInChat(deps, extra, owner.chat, { sinceMs, timeoutS })
    switch (end.kind) {
      case 'busy':
        return failure(
          `Not waiting: ${end.waiting} replies are already being waited for (WECHAT_MAX_WAITS=${config.wait.maxWaits}). Let some of those waits finish or cancel them, then wait again.`,
          { error: 'too_many_waits', road },
        )
      case 'message':
        return success(`The user answered:\n${describeMessage(end.message)}`, {
          status: 'replied',
          road,
          message: end.message,
          waitedSeconds: end.waitedSeconds,
          timeoutSeconds: timeoutS,
        })
      case 'cleared': {
        const now = owner.road()
        const hint = now.ok ? 'A road to the user is open again: wait again.' : now.detail
        return failure(`The road to the user logged out while waiting; nothing more can arrive on it. ${hint}`, { error: 'not_logged_in', road, waitedSeconds: end.waitedSeconds })
      }
      case 'cancelled':
        return failure('The wait was cancelled.', { error: 'cancelled', road, waitedSeconds: end.waitedSeconds })
      case 'timeout': {
        const capped = timeoutSeconds !== undefined && timeoutSeconds > timeoutS ? ` (capped by WECHAT_MAX_WAIT_S=${config.wait.maxWaitS})` : ''
        return success(
          `The user has not answered within ${timeoutS} s${capped}. Call waitForMyReply again (with the same \`since\`) to keep waiting, or carry on as the user asked; do not resend the question unless asked.`,
          { status: 'timeout', road, waitedSeconds: end.waitedSeconds, timeoutSeconds: timeoutS },
        )
      }
    }
  },
})
