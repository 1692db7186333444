import * as z from 'zod'
import { defineTool } from './lib/define.js'
import { CONFIRM_HINT, confirmInput, pickTarget, SEND_ANNOTATIONS, sendOutputShape, sendResultToTool } from './lib/shared.js'

export default defineTool({
  name: 'sendMessageToRoom',
  title: 'Send a WeChat message to a group',
  description:
    'Sends a text message to one WeChat group chat, as the user. Give `topic` (the exact group name) or the `id` from findRoom. ' +
    'It only sends when exactly one group has that exact name: otherwise nothing is sent and the candidates are returned; ' +
    'ask the user which one and send again by id. Never retry a send that was refused as a repeat. ' +
    CONFIRM_HINT,
  inputSchema: {
    topic: z.string().max(200).optional().describe('the exact group name'),
    id: z.string().max(200).optional().describe('a group id from findRoom (valid for the current login only)'),
    message: z.string().max(100_000).describe('the text to send'),
    confirm: confirmInput,
  },
  outputSchema: sendOutputShape,
  annotations: SEND_ANNOTATIONS,
  road: 'web',
  async handler({ topic, id, message, confirm }, { sender }, extra, client) {
    const target = pickTarget(topic, id, 'topic')
    const request = { tool: 'sendMessageToRoom', kind: 'room' as const, target: typeof target === 'string' ? { id, name: topic } : target, text: message }
    if (typeof target === 'string') return sendResultToTool(await sender.refuse(request, target))
    // A client that cancels while the send waits for its turn takes it back: it will not go out later.
    return sendResultToTool(await sender.send({ ...request, confirm: { ...(client ? { client } : {}), ...(confirm !== undefined ? { token: confirm } : {}) } }, extra.signal))
  },
})
