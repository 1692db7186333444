/**
 * Sandbox only: POST /sandbox/logout logs the mock account out, so the logout path (state, notification, new QR,
 * login again after the fixture's loginDelayMs) can be tried and tested without a real WeChat. Behind the token.
 */
import { Router } from 'express'
import type { Config } from '../config.js'
import type { Roads } from '../roads/roads.js'
import { requireToken } from './security.js'
import type { TokenGuard } from './token-guard.js'

export function sandboxLoginRoutes({ config, roads, guard }: { config: Config; roads: Pick<Roads, 'road' | 'state'>; guard?: TokenGuard }): Router {
  const router = Router()
  if (!config.sandbox) return router
  router.post('/sandbox/logout', requireToken(config, guard), async (_req, res) => {
    const { status } = roads.state('web')
    if (status !== 'logged_in') {
      res.status(409).json({ error: 'not_logged_in', status, message: 'The sandbox account is not logged in; nothing to log out.' })
      return
    }
    await roads.road('web')?.logout()
    res.status(202).json({ message: 'Logged out; a new QR code follows and the sandbox logs in again by itself.' })
  })
  return router
}
