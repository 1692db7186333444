import { CONFIRM_HINT } from './lib/shared.js'
import { ROOM, sendMessageTool } from './lib/twins.js'

export default sendMessageTool(ROOM, {
  name: 'sendMessageToRoom',
  title: 'Send a WeChat message to a group',
  description:
    'Sends a text message to one WeChat group chat, as the user. Give `topic` (the exact group name) or the `id` from findRoom. ' +
    'It only sends when exactly one group has that exact name: otherwise nothing is sent and the candidates are returned; ' +
    'ask the user which one and send again by id. Never retry a send that was refused as a repeat. ' +
    CONFIRM_HINT,
})
