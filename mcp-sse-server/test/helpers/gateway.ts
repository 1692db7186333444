/**
 * A token gateway on 127.0.0.1, as commercial ones serve an account: wechaty-puppet-service's own PuppetServer
 * serving the sandbox's mock puppet, filled from a fixture and logged in. What the gateway's account receives is
 * recorded per contact.
 */
import type { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { parseFixture, Sandbox } from '../../src/roads/web/sandbox.js'

export interface Gateway {
  endpoint: string
  token: string
  /** Texts the gateway's account received, by the receiving contact's name. */
  received: Map<string, string[]>
  /** A contact of the fixture (name or id) writes to the gateway's account. */
  inbound: (from: string, text: string) => void
  stop: () => Promise<void>
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

interface PuppetServerLike {
  start(): Promise<void>
  stop(): Promise<void>
}
type PuppetServerClass = new (options: { endpoint: string; puppet: unknown; token: string; tls: { disable: boolean } }) => PuppetServerLike
interface ReceivedMessage {
  payload: { text?: string; listenerId?: string }
}

/** Imported by a name TypeScript does not follow: its typings reach `ix`, whose own @types/node 13 breaks other files' node typings. */
const PUPPET_SERVICE: string = 'wechaty-puppet-service'

export async function startGateway(fixture: unknown): Promise<Gateway> {
  const { PuppetServer } = (await import(PUPPET_SERVICE)) as { PuppetServer: PuppetServerClass }
  const { sandbox, puppet } = await Sandbox.create(parseFixture(fixture))
  await puppet.start()
  sandbox.populateAndLogin()
  const received = new Map<string, string[]>()
  for (const [key, contact] of sandbox.contactsByKey) {
    if (key !== contact.id) continue
    ;(contact as unknown as EventEmitter).on('message', (message: ReceivedMessage) => {
      const text = message.payload.text
      if (message.payload.listenerId !== contact.id || text === undefined) return
      const name = contact.payload.name
      received.set(name, [...(received.get(name) ?? []), text])
    })
  }
  // "insecure_" tokens are the community's name for gateways without TLS (the client must say so too).
  const token = `insecure_${randomUUID()}`
  const endpoint = `127.0.0.1:${await freePort()}`
  const server = new PuppetServer({ endpoint, puppet, token, tls: { disable: true } })
  await server.start()
  return {
    endpoint,
    token,
    received,
    inbound: (from, text) => {
      const result = sandbox.inbound(from, text)
      if (!result.ok) throw new Error(result.message)
    },
    stop: async () => {
      await server.stop()
      sandbox.stop()
      await puppet.stop()
    },
  }
}
