// Replaced by the channel fan-out (issue 3); until then no channel is configured.
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import type { Notifier, NotifyMessage } from './types.js'

export interface ExtraChannel {
  id: string
  send(msg: NotifyMessage, signal: AbortSignal): Promise<{ ok: boolean; status?: number; error?: string }>
}

export function createNotifier(_deps: { config: Config; logger: Logger; extraChannels?: ExtraChannel[] }): Notifier {
  return { configuredChannels: () => [], send: async () => ({ results: [] }) }
}
