import * as z from 'zod'
import { defineTool } from './lib/define.js'
import { FILE_RULES, fileSendOutputShape, fileSourceShape, sendFile } from './lib/send-file.js'
import { CONFIRM_HINT, SEND_ANNOTATIONS } from './lib/shared.js'

export default defineTool({
  name: 'sendFileToRoom',
  title: 'Send a file or image to a WeChat group',
  description:
    'Sends a file or an image to one WeChat group chat, as the user, optionally followed by a caption. Give `topic` (the exact group ' +
    'name) or the `id` from findRoom; it only sends when exactly one group has that exact name, otherwise the candidates are ' +
    'returned: ask the user which one and send again by id. ' +
    FILE_RULES +
    CONFIRM_HINT +
    'Never retry a send that was refused as a repeat.',
  inputSchema: {
    topic: z.string().max(200).optional().describe('the exact group name'),
    id: z.string().max(200).optional().describe('a group id from findRoom (valid for the current login only)'),
    ...fileSourceShape,
  },
  outputSchema: fileSendOutputShape,
  annotations: SEND_ANNOTATIONS,
  road: 'web',
  async handler({ topic, id, ...source }, deps, extra, client) {
    return sendFile(deps, { tool: 'sendFileToRoom', kind: 'room', nameField: 'topic', name: topic, id }, source, extra.signal, client)
  },
})
