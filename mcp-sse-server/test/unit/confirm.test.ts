/** The pieces of send confirmation that need a clock or a stranger: preview ids, and whose answer counts. */
import { describe, expect, it } from 'vitest'
import { OwnerAnswers } from '../../src/confirm/owner-answers.js'
import { Previews } from '../../src/confirm/previews.js'
import { PREVIEW_TTL_MS } from '../../src/confirm/settings.js'
import type { RoadMessage } from '../../src/roads/road.js'

const BINDING = { session: 's1', recipient: 'contact:c-zhang', digest: 'd1' }

describe('preview ids', () => {
  it('send once, within 5 minutes, for the same session, recipient and content only', () => {
    let now = 1_000_000
    const previews = new Previews(() => now)
    const good = previews.issue(BINDING)
    expect(good.id).toMatch(/^c-[a-z2-9]{10}$/)
    expect(Date.parse(good.expiresAt)).toBe(now + PREVIEW_TTL_MS)
    expect(previews.redeem(good.id, BINDING)).toEqual({ ok: true })
    expect(previews.redeem(good.id, BINDING)).toMatchObject({ ok: false, why: expect.stringMatching(/used already/) })

    const late = previews.issue(BINDING)
    now += PREVIEW_TTL_MS
    expect(previews.redeem(late.id, BINDING)).toMatchObject({ ok: false, why: expect.stringMatching(/expired/) })

    for (const [field, value, why] of [
      ['session', 's2', /another MCP session/],
      ['recipient', 'contact:c-li', /another recipient/],
      ['digest', 'd2', /differs/],
    ] as const) {
      const p = previews.issue(BINDING)
      expect(previews.redeem(p.id, { ...BINDING, [field]: value })).toMatchObject({ ok: false, why: expect.stringMatching(why) })
      // A failed try spends the id.
      expect(previews.redeem(p.id, BINDING).ok).toBe(false)
    }
  })
})

describe('owner answers', () => {
  const owner = (text: string, chat = 'me', self = false): RoadMessage => ({
    id: `m-${text}`,
    chat: { type: 'contact', id: chat, name: 'Me' },
    sender: { id: chat, name: 'Me', self },
    type: 'text',
    text,
  })
  const answers = new OwnerAnswers((m) => m.chat.id === 'me' && !m.sender.self)

  it('take only the owner’s own answer carrying an open code', async () => {
    const stop = new AbortController()
    const code = answers.newCode()
    const verdict = answers.wait(code, stop.signal)
    expect(answers.take(owner(`ok ${code}`, 'c-zhang'))).toBe(false) // a friend typing it
    expect(answers.take(owner(`ok ${code}`, 'me', true))).toBe(false) // this account's own echo
    expect(answers.take(owner('ok zz99'))).toBe(false) // another code
    expect(answers.take(owner(`ok ${code} please, and also…`))).toBe(false) // a sentence
    expect(answers.take(owner(`否 ${code.toUpperCase()}`))).toBe(true)
    expect(await verdict).toBe('deny')
    expect(answers.take(owner(`ok ${code}`))).toBe(false) // decided already
  })

  it('end a wait without a verdict when its signal ends', async () => {
    const stop = new AbortController()
    const code = answers.newCode()
    const verdict = answers.wait(code, stop.signal)
    stop.abort()
    expect(await verdict).toBeUndefined()
    expect(answers.take(owner(`ok ${code}`))).toBe(false)
  })
})
