import * as z from 'zod'
import { MATCH_KINDS } from '../wechat/directory.js'
import { quote } from '../wechat/quote.js'
import { defineTool, failure, success } from './lib/define.js'
import { loginStatusShape, notLoggedIn, READ_ANNOTATIONS } from './lib/shared.js'

const FIND_ERRORS = ['not_logged_in', 'not_found'] as const

export default defineTool({
  name: 'findRoom',
  title: 'Find WeChat groups',
  description:
    'Looks up WeChat group chats (rooms) by topic: exact matches (ignoring case and surrounding spaces) first, then partial ones. ' +
    'Each result has an `id` that sendMessageToRoom accepts for this login. WeChat only lists groups saved to contacts or recently active.',
  inputSchema: {
    topic: z.string().trim().min(1).max(200).describe('group name, whole or part'),
    limit: z.number().int().min(1).max(100).optional().describe('most partial matches to return (default 20)'),
  },
  outputSchema: {
    query: z.string(),
    rooms: z.array(z.object({ id: z.string(), topic: z.string(), memberCount: z.number().int(), match: z.enum(MATCH_KINDS) })),
    exactCount: z.number().int(),
    error: z.enum(FIND_ERRORS).optional().describe('why nothing was found'),
    loginStatus: loginStatusShape,
  },
  annotations: READ_ANNOTATIONS,
  road: 'web',
  async handler({ topic, limit }, deps) {
    const nothing = { query: topic, rooms: [], exactCount: 0 }
    const refused = notLoggedIn(deps, nothing)
    if (refused) return refused
    const found = await deps.directory.lookupFresh((d) => d.findRooms(topic, limit ?? 20))
    const rooms = [
      ...found.exact.map((r) => ({ ...r, match: 'exact' as const })),
      ...found.partial.map((r) => ({ ...r, match: 'partial' as const })),
    ]
    if (rooms.length === 0) {
      return failure(
        `No group's name contains ${quote(topic)}. Try a shorter part of the name; WeChat only shows groups saved to contacts or recently active.`,
        { ...nothing, error: 'not_found' },
      )
    }
    const lines = rooms.map((r) => `- ${quote(r.topic)} (${r.memberCount} members) [${r.match}] id=${quote(r.id)}`)
    return success(`${rooms.length} group(s) found for ${quote(topic)}.\n${lines.join('\n')}`, {
      query: topic,
      rooms,
      exactCount: found.exact.length,
    })
  },
})
