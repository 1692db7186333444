import * as z from 'zod'
import { defineTool } from './lib/define.js'
import { FILE_RULES, fileSendOutputShape, fileSourceShape, sendFile } from './lib/send-file.js'
import { CONFIRM_HINT, FILE_TRANSFER_HINT, SEND_ANNOTATIONS } from './lib/shared.js'

export default defineTool({
  name: 'sendFileToFriend',
  title: 'Send a file or image to a WeChat friend',
  description:
    'Sends a file or an image to one WeChat friend, as the user, optionally followed by a caption. Give `nickname` (their exact ' +
    'remark/备注 or nickname) or the `id` from findFriend; it only sends when exactly one friend has that exact name, otherwise the ' +
    'candidates are returned: ask the user which one and send again by id. ' +
    FILE_RULES +
    CONFIRM_HINT +
    'Never retry a send that was refused as a repeat. ' +
    FILE_TRANSFER_HINT,
  inputSchema: {
    nickname: z.string().max(200).optional().describe("the friend's exact remark (备注) or nickname"),
    id: z.string().max(200).optional().describe('a friend id from findFriend (valid for the current login only)'),
    ...fileSourceShape,
  },
  outputSchema: fileSendOutputShape,
  annotations: SEND_ANNOTATIONS,
  road: 'web',
  async handler({ nickname, id, ...source }, deps, extra, client) {
    return sendFile(deps, { tool: 'sendFileToFriend', kind: 'contact', nameField: 'nickname', name: nickname, id }, source, extra.signal, client)
  },
})
