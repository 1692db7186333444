/**
 * The iLink road (WeChat's ClawBot) in the registry: on with ILINK_ENABLED=true. In the sandbox it talks to a
 * simulated WeChat on 127.0.0.1 whose "phone" scans and confirms each QR by itself, unless ILINK_BASE_URL names
 * another server (a test's fake iLink, say).
 */
import { ILINK_DEFAULT_BASE_URL } from '../../config.js'
import { VERSION } from '../../version.js'
import type { RoadDefinition } from '../index.js'
import { IlinkRoad } from './road.js'
import { IlinkSimulator } from './simulator.js'

/** Long enough to see the QR and then "scanned" on the login page. */
const SANDBOX_LOGIN_MS = 3_000

export const ilinkRoad: RoadDefinition = {
  id: 'ilink',
  title: 'ClawBot (you only)',
  enabled: (config) => config.ilink.enabled,
  off: () => ({
    reason: 'The ClawBot (iLink) road is off: WeChat’s official bot road, which reaches only you, within 24 hours of your last message to it.',
    action: 'To let the agent message you through ClawBot, set ILINK_ENABLED=true, restart, and scan the ClawBot QR code on the login page.',
  }),
  create: ({ config, logger, loginPageUrl, runtimeSecrets, stamps }) => {
    const simulated = config.sandbox && config.ilink.baseUrl === ILINK_DEFAULT_BASE_URL
    const simulator = simulated
      ? new IlinkSimulator({
          windowMs: config.ilink.windowHours * 3_600_000,
          maxPerOwnerMessage: config.ilink.maxPerOwnerMessage,
          autoLoginMs: SANDBOX_LOGIN_MS,
          onViolation: (violation) => logger.warn({ component: 'ilink-simulator', violation }, 'the simulated WeChat refused a request'),
        })
      : undefined
    return new IlinkRoad({ ...config.ilink, dataDir: config.dataDir, version: VERSION, logger, runtimeSecrets, loginPageUrl, terminalQr: true, simulator, stamps })
  },
}
