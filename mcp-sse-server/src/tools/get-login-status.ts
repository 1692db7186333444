import * as z from 'zod'
import { LOGIN_STATUSES } from '../wechat/wechat.js'
import { quote } from '../wechat/quote.js'
import { defineTool, success } from './define.js'

export default defineTool({
  name: 'getLoginStatus',
  title: 'WeChat login status',
  description:
    'Tells whether the WeChat account is logged in, as whom, and where the user can scan the QR code when it is not. ' +
    'Call it first when another WeChat tool says WeChat is not logged in, and give the user the login URL.',
  inputSchema: {},
  outputSchema: {
    status: z.enum(LOGIN_STATUSES),
    user: z.object({ id: z.string(), name: z.string() }).optional(),
    loginUrl: z.string().describe('page with the QR code and the live login state'),
    scanned: z.boolean().optional().describe('the QR was scanned and awaits confirmation on the phone'),
    since: z.string().describe('when this state began (ISO 8601)'),
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, { wechat }) {
    const state = wechat.state
    const loginUrl = wechat.loginPageUrl
    const text =
      state.status === 'logged_in'
        ? `WeChat is logged in as ${quote(state.user?.name ?? '')}.`
        : `WeChat is not logged in (status: ${state.status}). ${wechat.loginHint()}`
    return success(text, {
      status: state.status,
      ...(state.user ? { user: state.user } : {}),
      loginUrl,
      ...(state.scanned ? { scanned: true } : {}),
      since: state.since,
    })
  },
})
