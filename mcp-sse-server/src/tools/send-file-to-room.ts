import { FILE_RULES } from './lib/send-file.js'
import { CONFIRM_HINT } from './lib/shared.js'
import { ROOM, sendFileTool } from './lib/twins.js'

export default sendFileTool(ROOM, {
  name: 'sendFileToRoom',
  title: 'Send a file or image to a WeChat group',
  description:
    'Sends a file or an image to one WeChat group chat, as the user, optionally followed by a caption. Give `topic` (the exact group ' +
    'name) or the `id` from findRoom; it only sends when exactly one group has that exact name, otherwise the candidates are ' +
    'returned: ask the user which one and send again by id. ' +
    FILE_RULES +
    CONFIRM_HINT +
    'Never retry a send that was refused as a repeat.',
})
