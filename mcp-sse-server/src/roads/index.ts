/**
 * The one list of roads. Adding a road is one folder under roads/ (a RoadDefinition and the Road it builds) plus one
 * line here; the composition root builds every enabled one, and /health, getLoginStatus and the login page show them.
 */
import type { Config } from '../config.js'
import type { Logger, RuntimeSecrets } from '../logger.js'
import type { Directory } from '../wechat/directory.js'
import type { Stamps } from '../wechat/clock.js'
import type { Road, RoadId, RoadState } from './road.js'
import { ilinkRoad } from './ilink/index.js'
import { webRoad } from './web/index.js'

/** What the composition root hands a road when it builds it. */
export interface RoadContext {
  config: Config
  logger: Logger
  /** The address book; a road with friends and groups (the web road) keeps it in step, others leave it alone. */
  directory: Directory
  /** Where the user scans (the login page), read whenever a QR is shown: it is known only once the server listens. */
  loginPageUrl: () => string
  /** Where a road registers secrets it learns while running (a bot token), so no log line carries them. */
  runtimeSecrets?: RuntimeSecrets
  /** Message and send times, shared with the inbox (wechat/clock.ts). */
  stamps?: Stamps
}

export interface RoadDefinition {
  id: RoadId
  /** Shown on the login page and in the docs. */
  title: string
  /** Whether this configuration runs the road. */
  enabled(config: Config): boolean
  /** Why the road is off and how to turn it on, for a configuration that does not run it. */
  off(config: Config): Pick<RoadState, 'reason' | 'action'>
  create(context: RoadContext): Road
}

export const ROADS: readonly RoadDefinition[] = [webRoad, ilinkRoad]
