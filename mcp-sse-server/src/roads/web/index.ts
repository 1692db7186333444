/** The web road in the registry: on unless WECHATY_PUPPET=none. */
import type { RoadDefinition } from '../index.js'
import { WebRoad } from './web-road.js'

export const webRoad: RoadDefinition = {
  id: 'web',
  title: 'WeChat (friends and groups)',
  enabled: (config) => config.puppet !== 'none',
  off: () => ({
    reason: 'WECHATY_PUPPET=none: this server runs without the web road, so friends and groups cannot be reached (their tools are not listed).',
    action: 'To reach friends and groups, set WECHATY_PUPPET to wechaty-puppet-wechat4u (scan a QR) or wechaty-puppet-service (a token gateway) and restart.',
  }),
  create: (context) => new WebRoad(context),
}
