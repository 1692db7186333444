/** Helpers shared by the channel files. */
import { describeError } from './http.js'
import type { ChannelDefinition, ChannelEnv } from './types.js'
import { redactSecrets } from '../logger.js'

/** Wraps send() so that a bug in a channel becomes a failed result, as the plugin contract promises. */
export function defineChannel(def: ChannelDefinition): ChannelDefinition {
  return {
    ...def,
    async send(message, ctx) {
      try {
        return await def.send(message, ctx)
      } catch (err) {
        return { ok: false, error: redactSecrets(describeError(err), ctx.secrets) }
      }
    },
  }
}

/** `enabled` for the common case: every named variable is set (non-empty). */
export function requires(...names: string[]): (env: ChannelEnv) => boolean {
  return (env) => names.every((n) => Boolean(env[n]?.trim()))
}

/** qinglong's message shape for single-text channels. */
export function joined(title: string, content: string, separator = '\n\n'): string {
  return content ? `${title}${separator}${content}` : title
}
