/** The one list of tools. Order is the order clients show them in. */
import type { ToolDefinition } from './lib/define.js'
import findFriend from './find-friend.js'
import findRoom from './find-room.js'
import getLoginStatus from './get-login-status.js'
import getRecentMessages from './get-recent-messages.js'
import listRecentChats from './list-recent-chats.js'
import notifyEvent from './notify-event.js'
import notifySend from './notify-send.js'
import sendFileToFriend from './send-file-to-friend.js'
import sendFileToRoom from './send-file-to-room.js'
import sendMessageToFriend from './send-message-to-friend.js'
import sendMessageToMe from './send-message-to-me.js'
import sendMessageToRoom from './send-message-to-room.js'
import waitForMyReply from './wait-for-my-reply.js'
import waitForReply from './wait-for-reply.js'

export const tools: readonly ToolDefinition[] = [
  getLoginStatus,
  findFriend,
  findRoom,
  sendMessageToFriend,
  sendMessageToRoom,
  sendFileToFriend,
  sendFileToRoom,
  listRecentChats,
  getRecentMessages,
  waitForReply,
  sendMessageToMe,
  waitForMyReply,
  notifySend,
  notifyEvent,
] as unknown as readonly ToolDefinition[]
