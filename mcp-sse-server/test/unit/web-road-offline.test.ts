/**
 * Offline, wechat4u reports the same failure several times a second while its next login attempt waits: the web
 * road's state says once that WeChat cannot be reached, and keeps saying when the next attempt is.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import type { RoadState } from '../../src/roads/road.js'
import { WebRoad } from '../../src/roads/web/web-road.js'

const config = (() => {
  const result = loadConfig({ WECHATY_PUPPET: 'wechaty-puppet-wechat4u' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config as Config
})()

/** The two private steps a running wechat4u drives: its login attempts and its errors. */
interface Driven {
  paceWechat4uLogins(bot: unknown): void
  onError(bot: unknown, err: unknown): void
  retryTimer?: NodeJS.Timeout
}

describe('web road offline', () => {
  it('a repeated "cannot be reached" changes nothing, and the next attempt stays announced', () => {
    const road = new WebRoad({ config, logger: createLogger({ level: 'silent', secrets: [] }), directory: {} as never, loginPageUrl: () => '/login' })
    const driven = road as unknown as Driven
    const client = { start: () => Promise.resolve() }
    const bot = { puppet: { wechat4u: client } }
    driven.paceWechat4uLogins(bot)
    const states: RoadState[] = []
    road.on('state', (state) => states.push(state))
    const offline = new Error('connect ECONNREFUSED 127.0.0.1:9')
    try {
      void client.start()
      driven.onError(bot, offline)
      void client.start()
      expect(road.state.reason).toMatch(/^WeChat cannot be reached from this server/)
      expect(road.state.action).toMatch(/Next attempt in 2 s\.$/)
      const seen = states.length
      driven.onError(bot, offline)
      driven.onError(bot, offline)
      expect(states).toHaveLength(seen)
      expect(road.state.action).toMatch(/Next attempt in 2 s\.$/)
    } finally {
      clearTimeout(driven.retryTimer)
    }
  })
})
