/**
 * Sandbox only: POST /sandbox/logout logs the mock account out, so the logout path (state, notification, new QR,
 * login again after the fixture's loginDelayMs) can be tried and tested without a real WeChat. Behind the token.
 */
import { Router } from 'express'
import type { Config } from '../config.js'
import type { WeChat } from '../wechat/wechat.js'
import { requireToken } from './security.js'

export function sandboxLoginRoutes({ config, wechat }: { config: Config; wechat: Pick<WeChat, 'logout' | 'state'> }): Router {
  const router = Router()
  if (!config.sandbox) return router
  router.post('/sandbox/logout', requireToken(config), async (_req, res) => {
    if (wechat.state.status !== 'logged_in') {
      res.status(409).json({ error: 'not_logged_in', status: wechat.state.status, message: 'The sandbox account is not logged in; nothing to log out.' })
      return
    }
    await wechat.logout()
    res.status(202).json({ message: 'Logged out; a new QR code follows and the sandbox logs in again by itself.' })
  })
  return router
}
