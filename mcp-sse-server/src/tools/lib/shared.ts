/** Schema pieces and helpers that several WeChat tools share, so the model sees the same shapes everywhere. */
import * as z from 'zod'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { CHAT_TYPES } from '../../wechat/inbox.js'
import { SEND_ERROR_CODES, type FileSendResult } from '../../wechat/sender.js'
import { sendText } from '../../wechat/send-text.js'
import { ROAD_STATUSES } from '../../roads/road.js'
import { CONFIRMED_BY } from '../../confirm/settings.js'
import { failure, success, type ToolDeps } from './define.js'

export const candidateShape = z.object({
  id: z.string(),
  name: z.string(),
  alias: z.string().optional(),
})

/** On a refusal for not being logged in: the state, so a client can tell "scan the QR" from "still starting". */
export const loginStatusShape = z.enum(ROAD_STATUSES).optional().describe('the login state, when error is not_logged_in')

export const sendOutputShape = {
  sent: z.boolean().describe('true only when WeChat accepted the message'),
  target: z
    .object({ type: z.enum(CHAT_TYPES), id: z.string(), name: z.string() })
    .optional()
    .describe('who the message went (or would have gone) to'),
  // Only the conversation with the user (sendMessageToMe) has roads that can be unavailable.
  error: z.enum(SEND_ERROR_CODES).exclude(['road_unavailable']).optional().describe('why it was not sent (docs/tools.md lists each one)'),
  candidates: z.array(candidateShape).optional().describe('exact matches when ambiguous, partial matches when not found'),
  sentAt: z.string().optional().describe('when it went out (ISO 8601); pass it as `since` to waitForReply so a quick answer is not missed'),
  confirmedBy: z.enum(CONFIRMED_BY).optional().describe('who approved it before it went out (WECHAT_CONFIRM_SENDS): the user in the client, on their phone, or after a preview'),
  confirmation: z
    .object({ id: z.string(), expiresAt: z.string() })
    .optional()
    .describe('when error is confirmation_required: the one-time id to pass as `confirm`, only after the user approved the preview'),
}

/** The send tools' `confirm` argument. */
export const confirmInput = z
  .string()
  .max(40)
  .optional()
  .describe('the id from a confirmation_required answer, once the user approved exactly that preview; never without their word')

/** What every send tool tells the model about WECHAT_CONFIRM_SENDS. */
export const CONFIRM_HINT =
  'The user may require approving each message: the server then asks them itself, or answers confirmation_required with a ' +
  'preview; show that preview to the user word for word, wait for their answer, and only if they approve call again with the ' +
  'same recipient and content plus `confirm` set to its id. declined or confirmation_timeout means nothing went out: do not retry on your own. '

/** How the model reaches the user's own File Transfer chat, which no friend's name can stand in for. */
export const FILE_TRANSFER_HINT =
  "To reach the user's own File Transfer chat (文件传输助手, notes to self), use id `filehelper` (its names \"文件传输助手\" and " +
  '"File Transfer" mean it too); a friend who merely uses such a name is never File Transfer.'

export const SEND_ANNOTATIONS = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const

export const READ_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const

/**
 * The answer every friend/group tool gives while the web road is not logged in. `filled` holds what that tool's
 * output schema requires even of a refusal (e.g. an empty list), so the answer matches the schema the client validates.
 */
export function notLoggedIn(deps: Pick<ToolDeps, 'roads'>, filled: Record<string, unknown> = {}): CallToolResult | undefined {
  const { roads } = deps
  if (roads.isLoggedIn('web')) return undefined
  const { status } = roads.state('web')
  return failure(`WeChat is not logged in (status: ${status}). ${roads.hint('web')}`, { ...filled, error: 'not_logged_in', loginStatus: status })
}

/** A send outcome as a tool result: isError unless WeChat accepted it (a file's caption included). */
export function sendResultToTool(result: FileSendResult): CallToolResult {
  const confirmed = result.confirmedBy ? { confirmedBy: result.confirmedBy } : {}
  if (result.ok) {
    const facts = { target: result.target, ...(result.sentAt ? { sentAt: result.sentAt } : {}), ...confirmed }
    // The file went but the caption after it did not: not "sent" (as sendMessageToMe answers), since what the
    // recipient was meant to read is missing; the words say the file went.
    if (result.caption && !result.caption.ok) return failure(sendText(result), { sent: false, error: result.caption.code, ...facts })
    return success(sendText(result), { sent: true, ...facts })
  }
  return failure(sendText(result), {
    sent: false,
    error: result.code,
    ...(result.target ? { target: result.target } : {}),
    ...(result.candidates ? { candidates: result.candidates } : {}),
    ...confirmed,
    ...(result.preview ? { confirmation: result.preview } : {}),
  })
}

/** "Exactly one of name or id": a raw zod shape cannot say it, so the handler does. */
export function pickTarget(name: string | undefined, id: string | undefined, nameField: string): { id?: string; name?: string } | string {
  if ((name === undefined) === (id === undefined)) return `Give exactly one of \`${nameField}\` or \`id\`.`
  return id !== undefined ? { id } : { name }
}
