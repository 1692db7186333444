/**
 * The block an operator reads at start (on stderr, beside the QR code; stdout stays JSON log lines for machines):
 * where to connect, where to log in, each road and its state, which notification channels are on and which are
 * half-configured (and what they miss).
 */
import type { NotifyStatus } from './notify/types.js'
import type { RoadState } from './roads/road.js'

export interface BannerInput {
  url: string
  loginUrl: string
  roads: ReadonlyArray<{ id: string; title: string; state: RoadState }>
  notify: NotifyStatus
  sandbox: boolean
  auth: boolean
  readOnly: boolean
}

export function startBanner({ url, loginUrl, roads, notify, sandbox, auth, readOnly }: BannerInput): string {
  const lines = [
    `wechat-mcp ${sandbox ? '(SANDBOX: a mock WeChat, nothing reaches anyone) ' : ''}is listening on ${url}`,
    `  MCP clients   ${url}/mcp (Streamable HTTP), ${url}/sse (legacy SSE)${auth ? ', bearer token required' : ''}`,
    `  log in        ${loginUrl}${auth ? '?token=<MCP_AUTH_TOKEN> (once; a cookie keeps it)' : ''}`,
    ...roads.map((r, i) => `  ${i === 0 ? 'roads' : '     '}         ${r.title}: ${roadWords(r.state)}`),
    `  notifications ${notify.on.length ? notify.on.join(', ') : 'none configured (docs/channels.md)'}`,
    ...notify.halfConfigured.map((h) => `                ${h.channel} is half-configured, off until you set ${h.missing.join(', ')}`),
    ...(readOnly ? ['  READ_ONLY     no sends: the send tools are hidden'] : []),
  ]
  return `${lines.join('\n')}\n`
}

function roadWords(state: RoadState): string {
  if (state.status === 'logged_in') return `logged in${state.user ? ` as ${state.user.name}` : ''}`
  if (state.status === 'off') return `off${state.reason ? ` (${state.reason})` : ''}`
  return state.status.replace(/_/g, ' ')
}
