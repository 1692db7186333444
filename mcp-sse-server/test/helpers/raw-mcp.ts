/** Streamable HTTP spoken without the SDK, as scripts and minimal clients speak it: JSON-RPC posted to /mcp. */

/** Headers a Streamable HTTP client sends with every POST. */
export const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }

/** Posts one JSON-RPC message to the server at `url`, in the session `session` when one is given. */
export function rpc(url: string, body: object, session?: string): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...POST_HEADERS, ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', ...body }),
  })
}

/** The `initialize` request of a client named `name`. */
export function initialize(name: string, protocolVersion = '2025-06-18'): object {
  return { id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name, version: '1' } } }
}

/**
 * Initializes and, when that was accepted, says `notifications/initialized`: the handshake of a client that then
 * only posts (it never opens the GET stream). Each status is returned for the caller to check.
 */
export async function rawSession(url: string, name: string, protocolVersion?: string): Promise<{ status: number; session?: string; initialized?: number }> {
  const init = await rpc(url, initialize(name, protocolVersion))
  const session = init.headers.get('mcp-session-id') ?? undefined
  await init.text()
  if (init.status !== 200 || !session) return { status: init.status }
  const initialized = await rpc(url, { method: 'notifications/initialized' }, session)
  await initialized.text()
  return { status: init.status, session, initialized: initialized.status }
}
