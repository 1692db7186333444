/** What the conversation tools share: naming a chat (friend, group or id) and the shape of a kept message. */
import * as z from 'zod'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { OWNER_CHAT_ID } from '../../owner/owner-road.js'
import { FILEHELPER_ID } from '../../wechat/directory.js'
import { CHAT_TYPES, MESSAGE_KINDS, type ChatType, type InboxMessage } from '../../wechat/inbox.js'
import { quote } from '../../wechat/quote.js'
import { failure, type ToolDeps } from './define.js'
import { candidateShape, loginStatusShape, notLoggedIn } from './shared.js'

export const chatTargetShape = {
  nickname: z
    .string()
    .max(200)
    .optional()
    .describe("a friend's exact remark (备注) or nickname: the one-to-one chat with them (the user's own File Transfer: \"filehelper\")"),
  topic: z.string().max(200).optional().describe('the exact name of a group chat'),
  id: z.string().max(200).optional().describe('a friend, group or chat id from findFriend, findRoom or listRecentChats (current login only); "me" is the chat with the user themself'),
}

export const chatShape = z.object({ type: z.enum(CHAT_TYPES), id: z.string(), name: z.string() })

/** Why a chat could not be opened: the one list behind the code and the schema of the tools that read a chat. */
export const CHAT_ERRORS = ['not_logged_in', 'invalid_argument', 'not_found', 'ambiguous', 'unknown_id'] as const
export type ChatError = (typeof CHAT_ERRORS)[number]

/** What a refusal of a chat-reading tool carries besides `error`; the tool's own fields are absent then. */
export const chatRefusalShape = {
  loginStatus: loginStatusShape,
  candidates: z.array(candidateShape).optional().describe('exact matches when ambiguous, partial matches when not found'),
}

function refuse(error: ChatError, text: string, extra: Record<string, unknown> = {}): { ok: false; result: CallToolResult } {
  return { ok: false, result: failure(text, { error, ...extra }) }
}

export const messageShape = z.object({
  id: z.string(),
  chat: chatShape,
  sender: z.object({
    id: z.string(),
    name: z.string(),
    self: z.boolean().describe('true when this account sent it; in the chat "me", true means sent to the user (by the agent), false is the user writing'),
  }),
  time: z.string().describe('when the server received it (ISO 8601); usable as `since`'),
  type: z.enum(MESSAGE_KINDS).describe('text, or what kind of non-text message it is'),
  text: z.string().optional(),
  fileName: z.string().optional(),
})

export type ChatInfo = InboxMessage['chat']

/**
 * The chat named by exactly one of nickname (a friend), topic (a group) or id (either), under the same matching
 * rule as the send tools: ambiguity is answered with candidates, never a guess. An id only the inbox knows (a chat
 * listed by listRecentChats) is accepted too.
 */
export async function resolveChat(
  deps: ToolDeps,
  args: { nickname?: string; topic?: string; id?: string },
): Promise<{ ok: true; chat: ChatInfo } | { ok: false; result: CallToolResult }> {
  const given = [args.nickname, args.topic, args.id].filter((v) => v !== undefined).length
  if (given !== 1) return refuse('invalid_argument', 'Give exactly one of `nickname` (a friend), `topic` (a group) or `id`.')
  const { sender, inbox } = deps
  if (args.id === OWNER_CHAT_ID) return { ok: true, chat: deps.owner.chat }
  if (args.id !== undefined) {
    for (const kind of CHAT_TYPES) {
      const found = await sender.resolve(kind, { id: args.id })
      if (found.ok) return { ok: true, chat: found.target }
    }
    const known = inbox.chat(args.id)
    if (known) return { ok: true, chat: known }
    return refuse(
      'unknown_id',
      `No friend, group or recent chat has the id ${quote(args.id)}. Ids change at every WeChat login; look it up again with findFriend, findRoom or listRecentChats.`,
    )
  }
  const kind: ChatType = args.nickname !== undefined ? 'contact' : 'room'
  const found = await sender.resolve(kind, { name: args.nickname ?? args.topic }, 'call again')
  if (found.ok) return { ok: true, chat: found.target }
  const error = found.code === 'ambiguous' || found.code === 'unknown_id' ? found.code : 'not_found'
  return refuse(error, found.detail, found.candidates ? { candidates: found.candidates } : {})
}

/**
 * What a tool that reads one chat checks first, in order: logged in, a valid `since`, exactly one chat named.
 */
export async function openChat(
  deps: ToolDeps,
  args: { nickname?: string; topic?: string; id?: string; since?: string },
): Promise<{ ok: true; chat: ChatInfo; sinceMs?: number } | { ok: false; result: CallToolResult }> {
  // The chat with the user is open whenever a road to them is, which need not be the web road.
  const owner = args.id === OWNER_CHAT_ID ? deps.owner.road() : undefined
  if (owner && !owner.ok) return refuse('not_logged_in', owner.detail)
  const refused = owner ? undefined : notLoggedIn(deps)
  if (refused) return { ok: false, result: refused }
  const sinceMs = parseSince(args.since)
  if (typeof sinceMs === 'string') return refuse('invalid_argument', sinceMs)
  const target = await resolveChat(deps, args)
  if (!target.ok) return target
  // While File Transfer carries the conversation with the user, what is kept of it is the chat `me`.
  const chat = target.chat.id === FILEHELPER_ID && deps.owner.usesFileHelper() ? deps.owner.chat : target.chat
  return { ok: true, chat, sinceMs }
}

/**
 * One line per message, for the model to read. The text is quoted (newlines escaped) and the sender carries its id:
 * whoever writes in a chat must not be able to forge lines that look like other messages, or like the user's own.
 */
export function describeMessage(m: InboxMessage): string {
  const self = m.chat.id === OWNER_CHAT_ID ? 'the agent, to the user' : 'this account (the user)'
  const who = m.sender.self ? self : `${quote(m.sender.name)} (id ${quote(m.sender.id)})`
  const quoted = m.text !== undefined ? quote(m.text) : ''
  const body = m.type === 'text' ? quoted : `[${m.type}${m.fileName ? `: ${quote(m.fileName)}` : ''}]${quoted && m.type !== 'image' ? ` ${quoted}` : ''}`
  return `[${m.time}] ${who}: ${body}`
}

/** A chat as the model reads it: `group "…"` or `"…"`, the name quoted. */
export function describeChat(chat: ChatInfo): string {
  return `${chat.type === 'room' ? 'group ' : ''}${quote(chat.name)}`
}

/** An ISO 8601 time as milliseconds, or an error text that says how to write it. */
export function parseSince(since: string | undefined): number | string | undefined {
  if (since === undefined) return undefined
  const at = Date.parse(since)
  if (Number.isNaN(at)) return `\`since\` must be an ISO 8601 time such as "2025-01-31T09:30:00Z" (a \`time\` or \`sentAt\` from an earlier result); got "${since.slice(0, 60)}".`
  return at
}
