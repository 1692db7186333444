import * as z from 'zod'
import { OWNER_ROAD_IDS } from '../owner/owner-road.js'
import type { OwnerSendResult } from '../owner/owner-conversation.js'
import { SEND_ERROR_CODES } from '../wechat/sender.js'
import { sendText } from '../wechat/send-text.js'
import { defineTool, failure, success } from './lib/define.js'
import { FILE_RULES, fileSource, fileSourceShape } from './lib/send-file.js'
import { CONFIRM_HINT, confirmInput, SEND_ANNOTATIONS, sendOutputShape } from './lib/shared.js'

const TOOL = 'sendMessageToMe'

export default defineTool({
  name: TOOL,
  title: 'Send a WeChat message to the user themself',
  description:
    'Sends a message to the user themself on WeChat (not to a friend): to tell them something is done, or to ask them a ' +
    'question and then wait for their answer with waitForMyReply (pass this result\'s `sentAt` as `since`). Optionally attach ' +
    'one file (`url` or `path`); the message then follows the file. It goes through ClawBot (iLink) when that is logged in, ' +
    'otherwise through File Transfer (文件传输助手) on the web road; `road` says which. ' +
    FILE_RULES +
    CONFIRM_HINT +
    'Send what the user needs to know, not a running commentary: each message buzzes their phone. Never retry a send that ' +
    'was refused as a repeat; when no road is open, give the user the login hint from the answer.',
  inputSchema: {
    message: z.string().max(100_000).describe('the text to send to the user (may be empty when a file is attached)'),
    url: fileSourceShape.url,
    path: fileSourceShape.path,
    name: fileSourceShape.name,
    confirm: confirmInput,
  },
  outputSchema: {
    sent: z.boolean().describe('true only when WeChat accepted it (file and message both, when a file was given)'),
    road: z.enum(OWNER_ROAD_IDS).optional().describe('how it reached (or would have reached) the user: ClawBot (iLink) or File Transfer'),
    // Asked about only under WECHAT_CONFIRM_SENDS=all, like a send to File Transfer.
    error: z.enum(SEND_ERROR_CODES).optional(),
    sentAt: z.string().optional().describe('when it went out (ISO 8601); pass it as `since` to waitForMyReply'),
    file: z
      .object({ name: z.string(), size: z.number().int(), mediaType: z.string(), source: z.string() })
      .optional()
      .describe('the file that was sent (or would have been)'),
    confirmedBy: sendOutputShape.confirmedBy,
    confirmation: sendOutputShape.confirmation,
  },
  annotations: SEND_ANNOTATIONS,
  async handler({ message, url, path, name, confirm: token }, { owner, config }, extra, client) {
    const confirm = { ...(client ? { client } : {}), ...(token !== undefined ? { token } : {}) }
    if (url === undefined && path === undefined) {
      if (name !== undefined) return toTool(await owner.refuse(TOOL, message, 'invalid_message', '`name` names an attached file; give `url` or `path` too, or leave `name` out.'))
      return toTool(await owner.sendText(TOOL, message, extra.signal, confirm))
    }
    const from = fileSource({ config }, { url, path, name })
    if (typeof from === 'string') return toTool(await owner.refuse(TOOL, message, 'invalid_message', from))
    // With a file the message is optional: an empty one is not sent after it.
    const caption = message.trim() === '' ? {} : { caption: message }
    return toTool(await owner.sendFile(TOOL, { ...from, ...caption }, extra.signal, confirm))
  },
})

function toTool(result: OwnerSendResult) {
  const shared = {
    ...(result.road ? { road: result.road } : {}),
    ...(result.file ? { file: result.file } : {}),
    ...(result.sentAt ? { sentAt: result.sentAt } : {}),
    ...(result.confirmedBy ? { confirmedBy: result.confirmedBy } : {}),
    ...(result.preview ? { confirmation: result.preview } : {}),
  }
  const text = sendText(result)
  // The file went but the message after it did not: not "sent", since what the user was meant to read is missing.
  if (result.ok && result.caption && !result.caption.ok) return failure(text, { sent: false, error: result.caption.code, ...shared })
  if (result.ok) return success(text, { sent: true, ...shared })
  return failure(text, { sent: false, error: result.code, ...shared })
}
