import * as z from 'zod'
import { defineTool, success } from './lib/define.js'
import { quote } from '../wechat/quote.js'
import { chatShape, describeChat, describeMessage, messageShape } from './lib/chat-target.js'
import { loginStatusShape, notLoggedIn, READ_ANNOTATIONS } from './lib/shared.js'

export default defineTool({
  name: 'listRecentChats',
  title: 'List recent WeChat chats',
  description:
    'Lists the chats (friends and groups) with recent messages, most recent first, each with its last message and how many ' +
    'messages from others arrived since the chat was last read with getRecentMessages (`unread`). Use it to see who wrote; ' +
    'then read a chat with getRecentMessages using its `id`. The conversation with the user themself (sendMessageToMe, waitForMyReply) ' +
    'is the chat with the id "me". Only messages received while this server was running and logged in count.',
  inputSchema: {
    limit: z.number().int().min(1).max(100).optional().describe('most chats to return (default 20)'),
  },
  outputSchema: {
    chats: z.array(
      z.object({
        chat: chatShape,
        unread: z.number().int().describe('messages from others since this chat was last read'),
        lastMessage: messageShape,
      }),
    ),
    error: z.enum(['not_logged_in']).optional(),
    loginStatus: loginStatusShape,
  },
  annotations: READ_ANNOTATIONS,
  async handler({ limit }, deps) {
    const refused = notLoggedIn(deps, { chats: [] })
    if (refused) return refused
    const chats = deps.inbox.chatsByActivity(limit ?? 20).map(({ chat, unread, lastMessage }) => ({ chat, unread, lastMessage }))
    const text = chats.length
      ? `${chats.length} recent chat(s), newest first:\n${chats
          .map((c) => `- ${describeChat(c.chat)} id=${quote(c.chat.id)}, ${c.unread} unread; last: ${describeMessage(c.lastMessage)}`)
          .join('\n')}`
      : 'No messages yet since this server logged in. Messages are kept from the moment the server is running and logged in.'
    return success(text, { chats })
  },
})
