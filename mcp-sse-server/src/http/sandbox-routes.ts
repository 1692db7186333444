/**
 * Sandbox only: `POST /sandbox/messages {from, room?, text}` makes a fixture contact write to the bot (or in a
 * group), so the whole conversation loop (send, wait, reply) can be tried and tested without a phone; `from: "me"`
 * is the owner writing on the owner road (typing in File Transfer on their phone, or to the simulated ClawBot). With a real puppet this router is
 * empty and the path answers 404 like any unknown one.
 */
import express, { Router } from 'express'
import * as z from 'zod'
import type { Config } from '../config.js'
import type { OwnerConversation } from '../owner/owner-conversation.js'
import { OWNER_CHAT_ID } from '../owner/owner-road.js'
import type { Roads } from '../roads/roads.js'
import type { Sandbox } from '../roads/web/sandbox.js'
import type { IlinkSimulator } from '../roads/ilink/simulator.js'
import { requireToken } from './security.js'
import type { TokenGuard } from './token-guard.js'

const bodySchema = z
  .object({
    from: z.string().trim().min(1).max(200),
    room: z.string().trim().min(1).max(200).optional(),
    text: z.string().min(1).max(10_000),
  })
  .strict()

export interface SandboxRouteDeps {
  config: Config
  roads: Pick<Roads, 'isLoggedIn'>
  sandbox: () => Pick<Sandbox, 'inbound' | 'ownerTypes'> | undefined
  /** Absent: `from: "me"` is refused (a server without the owner conversation). */
  owner?: Pick<OwnerConversation, 'road'>
  /** The simulated ClawBot (sandbox with ILINK_ENABLED=true): `from: "me"` writes there when it carries the owner. */
  ilink?: () => Pick<IlinkSimulator, 'ownerSays'> | undefined
  guard?: TokenGuard
}

export function sandboxRoutes({ config, roads, owner, ilink, sandbox: sandboxOf, guard }: SandboxRouteDeps): Router {
  const router = Router()
  if (!config.sandbox) return router
  router.post('/sandbox/messages', requireToken(config, guard), express.json({ limit: '64kb' }), (req, res) => {
    const body = bodySchema.safeParse(req.body)
    if (!body.success) {
      const problems = body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
      res.status(400).json({ ok: false, error: `Expected JSON {"from": contact id or name, or "me" for the owner, "room"?: group id or topic, "text": "..."}: ${problems}` })
      return
    }
    const sandbox = sandboxOf()
    if (!sandbox || !roads.isLoggedIn('web')) {
      res.status(503).json({ ok: false, error: 'the sandbox is still starting; try again in a moment' })
      return
    }
    const { from, room, text } = body.data
    const result = from === OWNER_CHAT_ID ? ownerInbound(owner, sandbox, ilink?.(), text, room) : sandbox.inbound(from, text, room)
    if (result.ok) res.json({ ok: true })
    else res.status(result.status).json({ ok: false, error: result.message })
  })
  return router
}

type Injected = { ok: true } | { ok: false; status: number; message: string }

/** The owner writes on whichever road carries the owner conversation now. */
function ownerInbound(
  owner: SandboxRouteDeps['owner'],
  sandbox: Pick<Sandbox, 'ownerTypes'>,
  clawbot: Pick<IlinkSimulator, 'ownerSays'> | undefined,
  text: string,
  room: string | undefined,
): Injected {
  if (room !== undefined) return { ok: false, status: 400, message: '"me" is the owner writing to the agent directly; leave out "room"' }
  const road = owner?.road() ?? { ok: false, detail: 'this server has no owner conversation' }
  if (!road.ok) return { ok: false, status: 409, message: road.detail }
  if (road.road === 'filehelper') return sandbox.ownerTypes(text)
  if (!clawbot) return { ok: false, status: 409, message: 'the owner road is ClawBot (ilink), which the sandbox simulates only when ILINK_BASE_URL is unset' }
  // The owner writes to ClawBot: the reply window opens and the budget refills, as on a phone.
  clawbot.ownerSays(text)
  return { ok: true }
}
