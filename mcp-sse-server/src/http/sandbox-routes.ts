/**
 * Sandbox only: `POST /sandbox/messages {from, room?, text}` makes a fixture contact write to the bot (or in a
 * group), so the whole conversation loop (send, wait, reply) can be tried and tested without a phone; `from: "me"`
 * is the owner writing on the owner road (typing in File Transfer on their phone). With a real puppet this router is
 * empty and the path answers 404 like any unknown one.
 */
import express, { Router } from 'express'
import * as z from 'zod'
import type { Config } from '../config.js'
import { OWNER_CHAT_ID } from '../owner/owner-road.js'
import type { OwnerConversation } from '../owner/owner-conversation.js'
import type { Sandbox } from '../wechat/sandbox.js'
import type { WeChat } from '../wechat/wechat.js'
import { requireToken } from './security.js'

const bodySchema = z
  .object({
    from: z.string().trim().min(1).max(200),
    room: z.string().trim().min(1).max(200).optional(),
    text: z.string().min(1).max(10_000),
  })
  .strict()

export function sandboxRoutes({ config, wechat, owner }: { config: Config; wechat: WeChat; owner: OwnerConversation }): Router {
  const router = Router()
  if (!config.sandbox) return router
  router.post('/sandbox/messages', requireToken(config), express.json({ limit: '64kb' }), (req, res) => {
    const body = bodySchema.safeParse(req.body)
    if (!body.success) {
      const problems = body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
      res.status(400).json({ ok: false, error: `Expected JSON {"from": contact id or name, or "me" for the owner, "room"?: group id or topic, "text": "..."}: ${problems}` })
      return
    }
    const sandbox = wechat.sandbox
    if (!sandbox || !wechat.isLoggedIn) {
      res.status(503).json({ ok: false, error: 'the sandbox is still starting; try again in a moment' })
      return
    }
    const { from, room, text } = body.data
    const result = from === OWNER_CHAT_ID ? ownerInbound(owner, sandbox, text, room) : sandbox.inbound(from, text, room)
    if (result.ok) res.json({ ok: true })
    else res.status(result.status).json({ ok: false, error: result.message })
  })
  return router
}

/** The owner writes on whichever road carries the owner conversation now. */
function ownerInbound(owner: OwnerConversation, sandbox: Sandbox, text: string, room: string | undefined): { ok: true } | { ok: false; status: number; message: string } {
  if (room !== undefined) return { ok: false, status: 400, message: '"me" is the owner writing to the agent directly; leave out "room"' }
  const road = owner.road()
  if (!road.ok) return { ok: false, status: 409, message: road.message }
  if (road.road !== 'filehelper') return { ok: false, status: 409, message: `the sandbox cannot simulate the owner on the ${road.road} road yet` }
  return sandbox.ownerTypes(text)
}
