import * as z from 'zod'
import { defineTool, failure, success } from './define.js'
import { notLoggedIn, READ_ANNOTATIONS } from './shared.js'

export default defineTool({
  name: 'findFriend',
  title: 'Find WeChat friends',
  description:
    'Looks up WeChat friends by remark (备注) or nickname. Exact matches (ignoring case and surrounding spaces) come first, ' +
    'then partial ones. Each result has an `id` that sendMessageToFriend accepts for this login. If several people match, ' +
    'ask the user which one is meant instead of guessing.',
  inputSchema: {
    nickname: z.string().trim().min(1).max(200).describe('remark (备注) or nickname, whole or part'),
    limit: z.number().int().min(1).max(100).optional().describe('most partial matches to return (default 20)'),
  },
  outputSchema: {
    query: z.string(),
    friends: z.array(
      z.object({
        id: z.string(),
        name: z.string().describe('WeChat nickname'),
        alias: z.string().optional().describe('the remark (备注) the user gave this friend'),
        match: z.enum(['exact', 'partial']),
      }),
    ),
    exactCount: z.number().int(),
  },
  annotations: READ_ANNOTATIONS,
  road: 'web',
  async handler({ nickname, limit }, deps) {
    const refused = notLoggedIn(deps)
    if (refused) return refused
    const found = await deps.directory.lookupFresh((d) => d.findFriends(nickname, limit ?? 20))
    const friends = [
      ...found.exact.map((f) => ({ ...strip(f), match: 'exact' as const })),
      ...found.partial.map((f) => ({ ...strip(f), match: 'partial' as const })),
    ]
    if (friends.length === 0) {
      return failure(`No friend's remark or nickname contains "${nickname}". Try a shorter part of the name, or the remark (备注).`, {
        query: nickname,
        friends: [],
        exactCount: 0,
      })
    }
    const lines = friends.map((f) => `- ${f.name}${f.alias ? ` (remark: ${f.alias})` : ''} [${f.match}] id=${f.id}`)
    const head =
      found.exact.length > 1
        ? `${found.exact.length} friends match "${nickname}" exactly; ask the user which one, then send by id.`
        : `${friends.length} friend(s) found for "${nickname}".`
    return success(`${head}\n${lines.join('\n')}`, { query: nickname, friends, exactCount: found.exact.length })
  },
})

function strip(f: { id: string; name: string; alias?: string }) {
  return { id: f.id, name: f.name, ...(f.alias ? { alias: f.alias } : {}) }
}
