/** The one list of tools. Order is the order clients show them in. */
import type { ToolDefinition } from './define.js'
import findFriend from './find-friend.js'
import findRoom from './find-room.js'
import getLoginStatus from './get-login-status.js'
import sendMessageToFriend from './send-message-to-friend.js'
import sendMessageToRoom from './send-message-to-room.js'

export const tools: readonly ToolDefinition[] = [
  getLoginStatus,
  findFriend,
  findRoom,
  sendMessageToFriend,
  sendMessageToRoom,
] as unknown as readonly ToolDefinition[]
