import * as z from 'zod'
import { TAKES_FILE_TRANSFER_NAME, takesFileTransferName } from '../wechat/directory.js'
import { quote } from '../wechat/quote.js'
import { findTool } from './lib/find.js'

export default findTool({
  name: 'findFriend',
  title: 'Find WeChat friends',
  description:
    'Looks up WeChat friends by remark (备注) or nickname. Exact matches (ignoring case and surrounding spaces) come first, ' +
    'then partial ones. Each result has an `id` that sendMessageToFriend accepts for this login. If several people match, ' +
    'ask the user which one is meant instead of guessing. The user\'s own File Transfer chat (notes to self) is the id ' +
    '`filehelper`, also found as "filehelper", "文件传输助手" or "File Transfer"; a friend who merely uses one of those names is not it.',
  queryField: 'nickname',
  queryDescription: 'remark (备注) or nickname, whole or part',
  listField: 'friends',
  shownShape: {
    id: z.string(),
    name: z.string().describe('WeChat nickname'),
    alias: z.string().optional().describe('the remark (备注) the user gave this friend'),
  },
  lookup: (directory, query, limit) => directory.findFriends(query, limit),
  show: (f) => ({ id: f.id, name: f.name, ...(f.alias ? { alias: f.alias } : {}) }),
  line: (f) =>
    `- ${quote(f.name)}${f.alias ? ` (remark ${quote(f.alias)})` : ''} [${f.match}] id=${quote(f.id)}` +
    (takesFileTransferName(f) ? ` (${TAKES_FILE_TRANSFER_NAME})` : ''),
  heading: (query, found) =>
    found.exact > 1
      ? `${found.exact} friends match ${quote(query)} exactly; ask the user which one, then send by id.`
      : `${found.total} friend(s) found for ${quote(query)}.`,
  notFound: (query) => `No friend's remark or nickname contains ${quote(query)}. Try a shorter part of the name, or the remark (备注).`,
})
