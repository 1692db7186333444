/** The iLink road (WeChat's ClawBot) in the registry: on with ILINK_ENABLED=true. */
import { VERSION } from '../../version.js'
import type { RoadDefinition } from '../index.js'
import { IlinkRoad } from './road.js'

export const ilinkRoad: RoadDefinition = {
  id: 'ilink',
  title: 'ClawBot (you only)',
  enabled: (config) => config.ilink.enabled,
  off: () => ({
    reason: 'The ClawBot (iLink) road is off: WeChat’s official bot road, which reaches only you, within 24 hours of your last message to it.',
    action: 'To let the agent message you through ClawBot, set ILINK_ENABLED=true, restart, and scan the ClawBot QR code on the login page.',
  }),
  create: ({ config, logger, loginPageUrl, runtimeSecrets }) =>
    new IlinkRoad({ ...config.ilink, dataDir: config.dataDir, version: VERSION, logger, runtimeSecrets, loginPageUrl, terminalQr: true }),
}
