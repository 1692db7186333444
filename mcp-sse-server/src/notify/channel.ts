/** Helpers shared by the channel files, and what every channel derives from its declared variables. */
import { describeError } from './http.js'
import type { ChannelDefinition, ChannelEnv, ChannelSpec, ChannelStatus } from './types.js'
import { redactSecrets } from '../logger.js'

/**
 * Turns a channel file's declaration into a channel: enablement, status and secrets come from the variables' flags,
 * and a bug in send() becomes a failed result, as the plugin contract promises.
 */
export function defineChannel(spec: ChannelSpec): ChannelDefinition {
  checkSpec(spec)
  const required = Object.keys(spec.variables).filter((n) => spec.variables[n].required)
  const setups = (spec.alternatives?.length ? spec.alternatives : [[]]).map((alt) => [...new Set([...required, ...alt])])
  const enabled = (env: ChannelEnv) => setups.some((setup) => setup.every((n) => isSet(env, n)))
  return {
    ...spec,
    enabled,
    status(env, shared = new Set()) {
      const set = Object.keys(spec.variables).filter((n) => isSet(env, n))
      if (enabled(env)) return { id: spec.id, state: 'on', set, missing: [] }
      const started = set.some((n) => !shared.has(n))
      return { id: spec.id, state: started ? 'half' : 'off', set, missing: stillNeeded(spec, required, env, started) }
    },
    secretValues(env) {
      const declared = Object.keys(spec.variables)
        .filter((n) => spec.variables[n].secret && isSet(env, n))
        .flatMap((n) => [env[n]!, env[n]!.trim()])
      let embedded: string[] = []
      try {
        embedded = spec.secrets?.(env) ?? []
      } catch {
        // A value too malformed to take apart is still redacted whole (declared above).
      }
      return [...new Set([...declared, ...embedded])].filter((s) => s.length >= 4)
    },
    async send(message, ctx) {
      try {
        return await spec.send(message, ctx)
      } catch (err) {
        return { ok: false, error: redactSecrets(describeError(err), ctx.secrets) }
      }
    },
  }
}

/** Set = present and not blank, as in shells and .env files. */
export function isSet(env: ChannelEnv, name: string): boolean {
  return Boolean(env[name]?.trim())
}

/**
 * What is still needed, as short phrases: each unset required variable, then the alternatives. When the channel is
 * half-configured only the alternatives already begun, and among them the closest, are offered.
 */
function stillNeeded(spec: ChannelSpec, required: string[], env: ChannelEnv, started: boolean): string[] {
  const missing = required.filter((n) => !isSet(env, n))
  const alternatives = spec.alternatives ?? []
  if (!alternatives.length) return missing
  const own = alternatives.map((alt) => alt.filter((n) => !required.includes(n)))
  if (own.some((alt) => alt.every((n) => isSet(env, n)))) return missing
  const begun = own.filter((alt) => alt.some((n) => isSet(env, n)))
  let candidates = started && begun.length ? begun : own
  const unset = candidates.map((alt) => alt.filter((n) => !isSet(env, n)))
  if (started) {
    const fewest = Math.min(...unset.map((u) => u.length))
    candidates = unset.filter((u) => u.length === fewest)
  } else candidates = unset
  const options = [...new Set(candidates.map((u) => u.join(' + ')))]
  return [...missing, options.join(' or ')]
}

/** "A, B and C" */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** One sentence for a channel that cannot run: what is set (names only) and what is missing. */
export function describeStatus(status: ChannelStatus): string {
  if (status.state === 'on') return `${status.id} is on`
  if (status.state === 'off') return `${status.id} is not configured: set ${listed(status.missing)}`
  return `${status.id} is half-configured: ${listed(status.set)} ${status.set.length > 1 ? 'are' : 'is'} set but ${listed(status.missing)} ${status.missing.length > 1 ? 'are' : 'is'} missing`
}

/** A declaration that cannot derive a working channel is a bug in the channel file: fail at load, not at send. */
function checkSpec(spec: ChannelSpec): void {
  const names = Object.keys(spec.variables)
  const unknown = (spec.alternatives ?? []).flat().filter((n) => !names.includes(n))
  if (unknown.length) throw new Error(`channel ${spec.id}: alternatives name undeclared variables ${unknown.join(', ')}`)
  if (!names.some((n) => spec.variables[n].required) && !spec.alternatives?.length) {
    throw new Error(`channel ${spec.id}: no required variable and no alternatives, so it would always be on`)
  }
}

/** qinglong's message shape for single-text channels. */
export function joined(title: string, content: string, separator = '\n\n'): string {
  return content ? `${title}${separator}${content}` : title
}
