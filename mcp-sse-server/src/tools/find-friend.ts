import * as z from 'zod'
import { MATCH_KINDS, TAKES_FILE_TRANSFER_NAME, takesFileTransferName } from '../wechat/directory.js'
import { quote } from '../wechat/quote.js'
import { defineTool, failure, success } from './lib/define.js'
import { loginStatusShape, notLoggedIn, READ_ANNOTATIONS } from './lib/shared.js'

const FIND_ERRORS = ['not_logged_in', 'not_found'] as const

export default defineTool({
  name: 'findFriend',
  title: 'Find WeChat friends',
  description:
    'Looks up WeChat friends by remark (备注) or nickname. Exact matches (ignoring case and surrounding spaces) come first, ' +
    'then partial ones. Each result has an `id` that sendMessageToFriend accepts for this login. If several people match, ' +
    'ask the user which one is meant instead of guessing. The user\'s own File Transfer chat (notes to self) is the id ' +
    '`filehelper`, also found as "filehelper", "文件传输助手" or "File Transfer"; a friend who merely uses one of those names is not it.',
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
        match: z.enum(MATCH_KINDS),
      }),
    ),
    exactCount: z.number().int(),
    error: z.enum(FIND_ERRORS).optional().describe('why nothing was found'),
    loginStatus: loginStatusShape,
  },
  annotations: READ_ANNOTATIONS,
  road: 'web',
  async handler({ nickname, limit }, deps) {
    const nothing = { query: nickname, friends: [], exactCount: 0 }
    const refused = notLoggedIn(deps, nothing)
    if (refused) return refused
    const found = await deps.directory.lookupFresh((d) => d.findFriends(nickname, limit ?? 20))
    const friends = [
      ...found.exact.map((f) => ({ ...strip(f), match: 'exact' as const })),
      ...found.partial.map((f) => ({ ...strip(f), match: 'partial' as const })),
    ]
    if (friends.length === 0) {
      return failure(`No friend's remark or nickname contains ${quote(nickname)}. Try a shorter part of the name, or the remark (备注).`, {
        ...nothing,
        error: 'not_found',
      })
    }
    const lines = friends.map(
      (f) =>
        `- ${quote(f.name)}${f.alias ? ` (remark ${quote(f.alias)})` : ''} [${f.match}] id=${quote(f.id)}` +
        (takesFileTransferName(f) ? ` (${TAKES_FILE_TRANSFER_NAME})` : ''),
    )
    const head =
      found.exact.length > 1
        ? `${found.exact.length} friends match ${quote(nickname)} exactly; ask the user which one, then send by id.`
        : `${friends.length} friend(s) found for ${quote(nickname)}.`
    return success(`${head}\n${lines.join('\n')}`, { query: nickname, friends, exactCount: found.exact.length })
  },
})

function strip(f: { id: string; name: string; alias?: string }) {
  return { id: f.id, name: f.name, ...(f.alias ? { alias: f.alias } : {}) }
}
