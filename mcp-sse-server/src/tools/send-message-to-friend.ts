import { CONFIRM_HINT, FILE_TRANSFER_HINT } from './lib/shared.js'
import { FRIEND, sendMessageTool } from './lib/twins.js'

export default sendMessageTool(FRIEND, {
  name: 'sendMessageToFriend',
  title: 'Send a WeChat message to a friend',
  description:
    'Sends a text message to one WeChat friend, as the user. Give `nickname` (their exact remark/备注 or nickname) or the `id` ' +
    'from findFriend. It only sends when exactly one friend has that exact name: if several do, or only partial matches exist, ' +
    'nothing is sent and the candidates are returned; ask the user which one and send again by id. Never retry a send that ' +
    'was refused as a repeat. ' +
    CONFIRM_HINT +
    FILE_TRANSFER_HINT,
})
