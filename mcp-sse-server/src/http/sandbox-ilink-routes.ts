/**
 * Sandbox only, with ILINK_ENABLED=true: the simulated ClawBot can be driven without a phone.
 * - `POST /sandbox/ilink/messages {"text": "…"}`: the owner writes to ClawBot (the reply window opens, the budget refills);
 * - `POST /sandbox/ilink/expire`: WeChat declares the bot token stale (-14): the road shows `expired` with a new QR,
 *   the operator is notified, and the simulated phone scans again by itself.
 * Behind the token; with a real WeChat this router is empty and the paths answer 404 like any unknown one.
 */
import express, { Router } from 'express'
import * as z from 'zod'
import type { Config } from '../config.js'
import type { IlinkSimulator } from '../roads/ilink/simulator.js'
import type { Roads } from '../roads/roads.js'
import { requireToken } from './security.js'
import type { TokenGuard } from './token-guard.js'

const messageSchema = z.object({ text: z.string().min(1).max(10_000) }).strict()

export function sandboxIlinkRoutes({ config, roads, guard }: { config: Config; roads: Pick<Roads, 'road' | 'state'>; guard?: TokenGuard }): Router {
  const router = Router()
  if (!config.sandbox || !config.ilink.enabled) return router
  const simulator = () => (roads.road('ilink') as { simulator?: IlinkSimulator } | undefined)?.simulator
  const loggedIn = (res: express.Response): IlinkSimulator | undefined => {
    const sim = simulator()
    const { status } = roads.state('ilink')
    if (sim && status === 'logged_in') return sim
    res.status(409).json({ ok: false, error: 'not_logged_in', status, message: 'The simulated ClawBot is not logged in yet; it logs in by itself in a few seconds.' })
    return undefined
  }

  router.post('/sandbox/ilink/messages', requireToken(config, guard), express.json({ limit: '64kb' }), (req, res) => {
    const body = messageSchema.safeParse(req.body)
    if (!body.success) {
      res.status(400).json({ ok: false, error: 'Expected JSON {"text": "what the owner writes to ClawBot"}' })
      return
    }
    const sim = loggedIn(res)
    if (!sim) return
    sim.ownerSays(body.data.text)
    res.json({ ok: true })
  })

  router.post('/sandbox/ilink/expire', requireToken(config, guard), (_req, res) => {
    const sim = loggedIn(res)
    if (!sim) return
    sim.staleToken()
    res.status(202).json({ ok: true, message: 'The ClawBot token is stale now: the road shows expired with a new QR, which the sandbox scans by itself.' })
  })
  return router
}
