/**
 * Every notification channel, in the order results are reported.
 * Adding a channel = one file in channels/ + one line here.
 */
export interface ChannelVariables {
  readonly id: string
  readonly variables: readonly string[]
}

export const channels: readonly ChannelVariables[] = []

/** Every variable any channel reads; config.ts snapshots exactly these from the environment. */
export const CHANNEL_VARIABLES: readonly string[] = [...new Set(channels.flatMap((c) => c.variables))]
