/** What the WECHAT_CONFIRM_SENDS end-to-end tests share: a sandbox server with the clients that ask and get asked. */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll } from 'vitest'
import { askingClient, listingClient, type ElicitAnswer } from './clients.js'
import { startServer, type RunningServer } from './server.js'

export interface ConfirmRig {
  server: RunningServer
  /** Declares elicitation: the person at its screen answers through `answer.current`. */
  asking: { client: Client; questions: string[] }
  /** Two clients that cannot be asked (they get previews), each its own MCP session. */
  plain: Client
  other: Client
}

/** Starts the rig before the enclosing describe's tests and stops it after them; its fields are set once they run. */
export function confirmRig(env: Record<string, string>, answer: { current: ElicitAnswer }): ConfirmRig {
  const rig = {} as ConfirmRig
  beforeAll(async () => {
    rig.server = await startServer(env)
    rig.asking = await askingClient(rig.server.url, 'streamableHttp', answer)
    rig.plain = await listingClient(rig.server.url)
    rig.other = await listingClient(rig.server.url)
  }, 60_000)
  afterAll(async () => {
    for (const c of [rig.asking?.client, rig.plain, rig.other]) await c?.close().catch(() => undefined)
    await rig.server?.stop()
  })
  return rig
}

/** The newest audit line for a send of `text`. */
export function lastAudit(server: RunningServer, text: string): Record<string, unknown> | undefined {
  return server.auditLines().filter((l) => l.text === text).at(-1)
}
