/** The MCP session behind a tool call, as confirmation sees it: its id and, when it declared it, elicitation. */
import { randomUUID } from 'node:crypto'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { ConfirmClient } from './confirmer.js'

/** Sessions without a transport session id (an in-process transport) still get one of their own. */
const ids = new WeakMap<Server, string>()

export function confirmClient(server: Server, call: { sessionId?: string; requestId: string | number }): ConfirmClient {
  let session = call.sessionId
  if (session === undefined) {
    session = ids.get(server) ?? randomUUID()
    ids.set(server, session)
  }
  return {
    session,
    canElicit: () => server.getClientCapabilities()?.elicitation?.form !== undefined,
    async elicit(message, { timeoutMs, signal }) {
      const result = await server.elicitInput(
        // No fields: the question is the whole form, and accept / decline / cancel the whole answer.
        { mode: 'form', message, requestedSchema: { type: 'object', properties: {} } },
        // Related to the tool call, so Streamable HTTP carries the question on that call's own response stream.
        { timeout: timeoutMs, relatedRequestId: call.requestId, ...(signal ? { signal } : {}) },
      )
      return result.action
    },
  }
}
