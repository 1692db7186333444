/**
 * The friend and group tools of a pair (sendMessageToFriend/sendMessageToRoom, sendFileToFriend/sendFileToRoom)
 * differ only in who receives and in their words: each pair is one factory here, each tool a thin file of its own.
 */
import * as z from 'zod'
import type { TargetKind } from '../../wechat/sender.js'
import { defineTool } from './define.js'
import { fileSendOutputShape, fileSourceShape, sendFile } from './send-file.js'
import { confirmInput, pickTarget, SEND_ANNOTATIONS, sendOutputShape, sendResultToTool } from './shared.js'

/** Who a tool of a pair addresses: the kind of chat, and the argument that names it next to `id`. */
interface Addressee {
  kind: TargetKind
  nameField: 'nickname' | 'topic'
  target: z.ZodRawShape
}

export const FRIEND: Addressee = {
  kind: 'contact',
  nameField: 'nickname',
  target: {
    nickname: z.string().max(200).optional().describe("the friend's exact remark (备注) or nickname"),
    id: z.string().max(200).optional().describe('a friend id from findFriend (valid for the current login only)'),
  },
}

export const ROOM: Addressee = {
  kind: 'room',
  nameField: 'topic',
  target: {
    topic: z.string().max(200).optional().describe('the exact group name'),
    id: z.string().max(200).optional().describe('a group id from findRoom (valid for the current login only)'),
  },
}

/** What the model reads about one tool of a pair. */
interface Words {
  name: string
  title: string
  description: string
}

/** The chat as the arguments name it; the SDK validated them against the schema built from the addressee. */
type Named = { id?: string } & Partial<Record<Addressee['nameField'], string>>

export function sendMessageTool(to: Addressee, words: Words) {
  return defineTool({
    ...words,
    inputSchema: {
      ...to.target,
      message: z.string().max(100_000).describe('the text to send'),
      confirm: confirmInput,
    },
    outputSchema: sendOutputShape,
    annotations: SEND_ANNOTATIONS,
    road: 'web',
    async handler(args, { sender }, extra, client) {
      const { id, [to.nameField]: name, message, confirm } = args as Named & { message: string; confirm?: string }
      const target = pickTarget(name, id, to.nameField)
      const request = { tool: words.name, kind: to.kind, target: typeof target === 'string' ? { id, name } : target, text: message }
      if (typeof target === 'string') return sendResultToTool(await sender.refuse(request, target))
      // A client that cancels while the send waits for its turn takes it back: it will not go out later.
      return sendResultToTool(await sender.send({ ...request, confirm: { ...(client ? { client } : {}), ...(confirm !== undefined ? { token: confirm } : {}) } }, extra.signal))
    },
  })
}

export function sendFileTool(to: Addressee, words: Words) {
  return defineTool({
    ...words,
    inputSchema: { ...to.target, ...fileSourceShape },
    outputSchema: fileSendOutputShape,
    annotations: SEND_ANNOTATIONS,
    road: 'web',
    async handler(args, deps, extra, client) {
      const { id, [to.nameField]: name, ...source } = args as Named & Parameters<typeof sendFile>[2]
      return sendFile(deps, { tool: words.name, kind: to.kind, nameField: to.nameField, name, id }, source, extra.signal, client)
    },
  })
}
