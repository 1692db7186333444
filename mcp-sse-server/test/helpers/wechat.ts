/** The server's parts in process over the sandbox's web road, for tests that drive the bot directly. */
import { compose, type ComposeOptions, type Composition } from '../../src/compose.js'
import type { Config } from '../../src/config.js'
import type { Logger } from '../../src/logger.js'
import type { RoadState, RoadStatus } from '../../src/roads/road.js'
import type { WebRoad } from '../../src/roads/web/web-road.js'

interface StateSource {
  readonly state: RoadState
  on(event: 'state', listener: (state: RoadState) => void): unknown
  off(event: 'state', listener: (state: RoadState) => void): unknown
}

export function waitForState(road: StateSource, status: RoadStatus): Promise<RoadState> {
  return nextState(road, (s) => s.status === status, true)
}

/** The first state (from now on, or the current one when `current`) that matches. */
export function nextState(road: StateSource, predicate: (s: RoadState) => boolean, current = false): Promise<RoadState> {
  if (current && predicate(road.state)) return Promise.resolve(road.state)
  return new Promise((resolve) => {
    const onState = (state: RoadState) => {
      if (!predicate(state)) return
      road.off('state', onState)
      resolve(state)
    }
    road.on('state', onState)
  })
}

/** Every part compose() builds, plus the web road itself (not started). */
export function composeWeb(config: Config, logger: Logger, options?: ComposeOptions): Composition & { web: WebRoad } {
  const parts = compose(config, logger, options)
  const web = parts.roads.road('web') as WebRoad | undefined
  if (!web) throw new Error('this configuration runs no web road')
  return { ...parts, web }
}
