/**
 * The options a named puppet is built with. A token gateway (wechaty-puppet-service) takes its token, endpoint and
 * TLS switch from here, as Wechaty names them; any other puppet gets WECHATY_PUPPET_TOKEN when one is set.
 */
import type { Config } from '../../config.js'

export const PUPPET_SERVICE = 'wechaty-puppet-service'

export function puppetOptions(config: Config): { puppetOptions?: Record<string, unknown> } {
  const { puppetService: service } = config
  if (config.puppet === PUPPET_SERVICE) {
    const token = service.token ?? config.puppetToken
    return {
      puppetOptions: {
        ...(token ? { token } : {}),
        ...(service.endpoint ? { endpoint: service.endpoint } : {}),
        ...(service.noTlsInsecureClient ? { tls: { disable: true } } : {}),
      },
    }
  }
  return config.puppetToken ? { puppetOptions: { token: config.puppetToken } } : {}
}
