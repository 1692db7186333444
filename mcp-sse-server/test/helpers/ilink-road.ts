/** Drives an in-process IlinkRoad against the fake iLink server: build, log in by "scanning", let the owner write. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { createLogger, RuntimeSecrets } from '../../src/logger.js'
import type { RoadMessage, RoadState, RoadStatus } from '../../src/roads/road.js'
import { IlinkRoad, type IlinkRoadOptions } from '../../src/roads/ilink/road.js'
import type { FakeIlink } from './fake-ilink.js'

export interface Harness {
  road: IlinkRoad
  fake: FakeIlink
  dataDir: string
  messages: RoadMessage[]
  states: RoadState[]
  sleeps: number[]
  clock: { now: number }
  logs: () => string
}

export function makeRoad(fake: FakeIlink, dataDir = mkdtempSync(path.join(tmpdir(), 'ilink-')), overrides: Partial<IlinkRoadOptions> = {}): Harness {
  const out = new PassThrough()
  let logText = ''
  out.on('data', (d) => (logText += String(d)))
  const runtimeSecrets = new RuntimeSecrets()
  const logger = createLogger({ level: 'debug', secrets: [], runtimeSecrets, destination: out })
  const clock = { now: Date.now() }
  const sleeps: number[] = []
  const road = new IlinkRoad({
    dataDir,
    baseUrl: fake.url,
    cdnUrl: fake.cdnUrl,
    windowHours: 24,
    maxPerOwnerMessage: 10,
    version: '0.1.0',
    logger,
    runtimeSecrets,
    loginPageUrl: () => 'http://127.0.0.1:8083/login',
    now: () => clock.now,
    // Backoff waits are recorded, not waited: what matters is that they grow, not how long a test takes.
    sleep: (ms) => {
      sleeps.push(ms)
      return new Promise((resolve) => setImmediate(resolve))
    },
    random: () => 0.5,
    ...overrides,
  })
  const messages: RoadMessage[] = []
  const states: RoadState[] = []
  road.on('message', (m) => messages.push(m))
  road.on('state', (s) => states.push(s))
  return { road, fake, dataDir, messages, states, sleeps, clock, logs: () => logText }
}

export function waitForStatus(road: IlinkRoad, status: RoadStatus, predicate: (s: RoadState) => boolean = () => true): Promise<RoadState> {
  if (road.state.status === status && predicate(road.state)) return Promise.resolve(road.state)
  return new Promise((resolve) => {
    const onState = (s: RoadState) => {
      if (s.status !== status || !predicate(s)) return
      road.off('state', onState)
      resolve(s)
    }
    road.on('state', onState)
  })
}

export function waitForMessages(h: Harness, count: number): Promise<RoadMessage[]> {
  if (h.messages.length >= count) return Promise.resolve(h.messages)
  return new Promise((resolve) => {
    const onMessage = () => {
      if (h.messages.length < count) return
      h.road.off('message', onMessage)
      resolve(h.messages)
    }
    h.road.on('message', onMessage)
  })
}

/**
 * QR → scanned → confirmed, then the first long poll is under way. With `ownerFirst`, the owner has then written that
 * to ClawBot, so the road may write back.
 */
export async function login(h: Harness, ownerFirst?: string): Promise<void> {
  await h.road.start()
  await waitForStatus(h.road, 'waiting_for_scan', (s) => !!s.qr)
  h.fake.scan()
  await waitForStatus(h.road, 'scanned')
  h.fake.confirm()
  await waitForStatus(h.road, 'logged_in')
  await h.fake.waitForRequest('/ilink/bot/getupdates')
  if (ownerFirst !== undefined) await ownerSays(h, ownerFirst)
}

/** The owner writes; resolves once the road has it (and its context_token). */
export async function ownerSays(h: Harness, text: string): Promise<void> {
  const before = h.messages.length
  h.fake.ownerSays(text)
  await waitForMessages(h, before + 1)
}
