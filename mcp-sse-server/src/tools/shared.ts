/** Schema pieces and helpers that several WeChat tools share, so the model sees the same shapes everywhere. */
import * as z from 'zod'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { SendResult } from '../wechat/sender.js'
import { failure, success, type ToolDeps } from './define.js'

export const candidateShape = z.object({
  id: z.string(),
  name: z.string(),
  alias: z.string().optional(),
})

export const sendOutputShape = {
  sent: z.boolean().describe('true only when WeChat accepted the message'),
  target: z
    .object({ type: z.enum(['contact', 'room']), id: z.string(), name: z.string() })
    .optional()
    .describe('who the message went (or would have gone) to'),
  error: z
    .enum(['not_logged_in', 'invalid_message', 'not_found', 'ambiguous', 'unknown_id', 'not_allowed', 'repeat', 'queue_full', 'send_failed', 'file_refused'])
    .optional(),
  candidates: z.array(candidateShape).optional().describe('exact matches when ambiguous, partial matches when not found'),
  sentAt: z.string().optional().describe('when it went out (ISO 8601); pass it as `since` to waitForReply so a quick answer is not missed'),
}

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

/** The answer every friend/group tool gives while the web road is not logged in. */
export function notLoggedIn(deps: Pick<ToolDeps, 'roads'>): CallToolResult | undefined {
  const { roads } = deps
  if (roads.isLoggedIn('web')) return undefined
  const { status } = roads.state('web')
  return failure(`WeChat is not logged in (status: ${status}). ${roads.hint('web')}`, { status })
}

/** A send outcome as a tool result: isError unless WeChat accepted it. */
export function sendResultToTool(result: SendResult): CallToolResult {
  if (result.ok) return success(result.message, { sent: true, target: result.target, ...(result.sentAt ? { sentAt: result.sentAt } : {}) })
  return failure(result.message, {
    sent: false,
    error: result.code,
    ...(result.target ? { target: result.target } : {}),
    ...(result.candidates ? { candidates: result.candidates } : {}),
  })
}

/** "Exactly one of name or id": a raw zod shape cannot say it, so the handler does. */
export function pickTarget(name: string | undefined, id: string | undefined, nameField: string): { id?: string; name?: string } | string {
  if ((name === undefined) === (id === undefined)) return `Give exactly one of \`${nameField}\` or \`id\`.`
  return id !== undefined ? { id } : { name }
}
