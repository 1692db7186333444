import { FILE_RULES } from './lib/send-file.js'
import { CONFIRM_HINT, FILE_TRANSFER_HINT } from './lib/shared.js'
import { FRIEND, sendFileTool } from './lib/twins.js'

export default sendFileTool(FRIEND, {
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
})
