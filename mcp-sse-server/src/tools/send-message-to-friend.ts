import * as z from 'zod'
import { defineTool } from './lib/define.js'
import { CONFIRM_HINT, confirmInput, FILE_TRANSFER_HINT, pickTarget, SEND_ANNOTATIONS, sendOutputShape, sendResultToTool } from './lib/shared.js'

export default defineTool({
  name: 'sendMessageToFriend',
  title: 'Send a WeChat message to a friend',
  description:
    'Sends a text message to one WeChat friend, as the user. Give `nickname` (their exact remark/备注 or nickname) or the `id` ' +
    'from findFriend. It only sends when exactly one friend has that exact name: if several do, or only partial matches exist, ' +
    'nothing is sent and the candidates are returned; ask the user which one and send again by id. Never retry a send that ' +
    'was refused as a repeat. ' +
    CONFIRM_HINT +
    FILE_TRANSFER_HINT,
  inputSchema: {
    nickname: z.string().max(200).optional().describe("the friend's exact remark (备注) or nickname"),
    id: z.string().max(200).optional().describe('a friend id from findFriend (valid for the current login only)'),
    message: z.string().max(100_000).describe('the text to send'),
    confirm: confirmInput,
  },
  outputSchema: sendOutputShape,
  annotations: SEND_ANNOTATIONS,
  road: 'web',
  async handler({ nickname, id, message, confirm }, { sender }, extra, client) {
    const target = pickTarget(nickname, id, 'nickname')
    const request = { tool: 'sendMessageToFriend', kind: 'contact' as const, target: typeof target === 'string' ? { id, name: nickname } : target, text: message }
    if (typeof target === 'string') return sendResultToTool(await sender.refuse(request, target))
    // A client that cancels while the send waits for its turn takes it back: it will not go out later.
    return sendResultToTool(await sender.send({ ...request, confirm: { ...(client ? { client } : {}), ...(confirm !== undefined ? { token: confirm } : {}) } }, extra.signal))
  },
})
