import * as z from 'zod'
import { ROAD_IDS, ROAD_STATUSES, type RoadState } from '../roads/road.js'
import { quote } from '../wechat/quote.js'
import { defineTool, success } from './lib/define.js'

const userShape = z.object({ id: z.string(), name: z.string() })

export default defineTool({
  name: 'getLoginStatus',
  title: 'WeChat login status',
  description:
    'Tells whether WeChat is logged in on each road, as whom, why not when it is not, and what the user should do (often: scan ' +
    'the QR code on the login page). The top-level fields are the web road (friends and groups); `roads` lists every road, ' +
    'including the iLink road (WeChat\'s official ClawBot, which reaches only the user themself). Call it first when another ' +
    'WeChat tool says WeChat is not logged in, and give the user the login URL and the `action`.',
  inputSchema: {},
  outputSchema: {
    status: z.enum(ROAD_STATUSES).describe('the web road: off (not run by this server), starting, waiting_for_scan, scanned (confirm on the phone), logged_in, logged_out, expired or failed'),
    reason: z.string().optional().describe('why the web road is in this state, in plain words'),
    action: z.string().optional().describe('what the user should do next'),
    user: userShape.optional(),
    loginUrl: z.string().describe('page with the QR code and the live login state'),
    since: z.string().describe('when this state began (ISO 8601)'),
    roads: z.array(
      z.object({
        road: z.enum(ROAD_IDS),
        title: z.string(),
        status: z.enum(ROAD_STATUSES),
        reason: z.string().optional(),
        action: z.string().optional(),
        user: userShape.optional(),
        since: z.string(),
      }),
    ),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, { roads }) {
    const web = roads.state('web')
    const loginUrl = roads.loginPageUrl
    const all = roads.list().map(({ id, title, state }) => ({ road: id, title, ...plain(state) }))
    const text = [
      web.status === 'logged_in'
        ? `WeChat is logged in as ${quote(web.user?.name ?? '')}.`
        : web.status === 'off'
          ? `The web road (friends and groups) is off. ${roads.hint('web')}`
          : `WeChat is not logged in (status: ${web.status}). ${roads.hint('web')}`,
      ...all.filter((r) => r.road !== 'web').map((r) => `${r.title}: ${r.status}${r.user ? ` as ${quote(r.user.name)}` : ''}${r.reason ? `. ${r.reason}` : ''}`),
    ].join('\n')
    return success(text, { ...plain(web), loginUrl, roads: all })
  },
})

/** A state without its QR (the model has no use for it; the login page shows it). */
function plain({ status, reason, action, user, since }: RoadState) {
  return { status, ...(reason ? { reason } : {}), ...(action ? { action } : {}), ...(user ? { user } : {}), since }
}
