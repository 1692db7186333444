/**
 * Every reach into a dependency's private internals, in one place. package.json pins these packages exactly, and
 * test/unit/internals.test.ts fails loudly, naming the internal, the day an upgrade moves one. Nothing else in src/
 * touches a private field of the SDK, wechat4u or the mock puppet.
 *
 * Written against @modelcontextprotocol/sdk 1.32.2, wechaty-puppet-wechat4u 1.14.14 (wechat4u 0.7.14) and
 * wechaty-puppet-mock 1.19.4.
 */

export type RequestHandler = (request: unknown, extra: unknown) => Promise<unknown>

/**
 * The SDK's low-level Server keeps its request handlers in the private map `_requestHandlers`; there is no public
 * way to wrap a handler the SDK installs itself (its params-schema failures answer -32603 where JSON-RPC says -32602:
 * modelcontextprotocol/typescript-sdk#2284). Undefined when an SDK no longer has it.
 */
export function sdkRequestHandlers(server: object): Map<string, RequestHandler> | undefined {
  const handlers = (server as { _requestHandlers?: unknown })._requestHandlers
  return handlers instanceof Map ? (handlers as Map<string, RequestHandler>) : undefined
}

/**
 * Delivers `notifications/cancelled` to the server as if the client had sent it, through the transport's
 * `onmessage` (set by the SDK's Protocol when it connects; public in shape, but calling it from outside the
 * transport is not how the SDK means it to be used). Answers whether it could.
 */
export function injectCancellation(transport: { onmessage?: (message: never) => void }, requestId: string | number, reason: string): boolean {
  if (typeof transport.onmessage !== 'function') return false
  const message = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason } }
  transport.onmessage(message as never)
  return true
}

/**
 * wechat4u's live session (cookies and sync keys in `wechat4u.botData`, the account in `wechat4u.PROP.uin`): the
 * puppet writes it to its memory card only at login. Undefined when not logged in or when the puppet has no such fields.
 */
export function wechat4uBotData(puppet: unknown): { botData: unknown } | undefined {
  const wechat4u = (puppet as { wechat4u?: { botData?: unknown; PROP?: { uin?: unknown } } }).wechat4u
  if (!wechat4u?.PROP?.uin || wechat4u.botData === undefined) return undefined
  return { botData: wechat4u.botData }
}

export type MockMessageSend = (conversationId: string, something: unknown) => Promise<void>

/** The mock puppet's private send (`_messageSend`), every message type goes through it. Throws when it is gone. */
export function replaceMockMessageSend(puppet: unknown, send: MockMessageSend): void {
  const target = puppet as { _messageSend?: unknown }
  if (typeof target._messageSend !== 'function') {
    throw new Error('wechaty-puppet-mock has no _messageSend: the sandbox cannot route sends (see src/internals.ts)')
  }
  target._messageSend = send
}
