/**
 * The session table's policy, on a clock the test moves: which sessions are swept when, which one makes room when the
 * table is full, and that refusals are logged once per flood. The sessions here are records with the fields the
 * registry reads; the transports and servers they hold only record being closed. Real clients: test/e2e/sessions-flood.test.ts and liveness.test.ts.
 */
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { CallGate } from '../../src/http/call-gate.js'
import { SessionRegistry, type Session, type SessionOptions } from '../../src/http/sessions.js'
import { createLogger } from '../../src/logger.js'

const OPTIONS: SessionOptions = { idleMs: 60_000, streamlessIdleMs: 5_000, max: 3, pingIntervalMs: 0, pingTimeoutMs: 1_000 }

let registries: SessionRegistry[] = []
afterEach(async () => {
  for (const r of registries) await r.closeAll()
  registries = []
})

function setup(options: Partial<SessionOptions> = {}) {
  let now = 1_000_000
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  const registry = new SessionRegistry({ ...OPTIONS, ...options }, createLogger({ level: 'debug', secrets: [], destination }), () => now)
  registries.push(registry)
  const closed: string[] = []
  const open = (id: string, calls: { idle: boolean } = { idle: true }): Session =>
    registry.add({
      id,
      kind: 'streamableHttp',
      transport: { close: async () => void closed.push(id) } as never,
      server: { close: async () => undefined } as never,
      calls: calls as CallGate,
    })
  return {
    registry,
    open,
    closed,
    lines,
    advance: (ms: number) => (now += ms),
    ids: () => ['a', 'b', 'c', 'd', 'e'].filter((id) => registry.get(id) !== undefined),
  }
}

/** A stand-in for a response stream: the registry only listens for its close. */
const stream = () => new EventEmitter() as EventEmitter & { once(event: 'close', listener: () => void): unknown }

describe('SessionRegistry: a full table', () => {
  it('closes the least recently used session that has no open stream and no call in flight, instead of refusing', () => {
    const { registry, open, closed, lines, advance } = setup()
    const a = open('a')
    advance(10)
    open('b', { idle: false }) // a call in flight
    advance(10)
    open('c')
    advance(10)
    registry.holdStream(a, stream()) // an open GET stream: in use, even though it is the oldest
    expect(registry.full).toBe(true)
    expect(registry.makeRoom()).toBe(true)
    expect(closed).toEqual(['c'])
    expect(registry.size).toBe(2)
    expect(lines.some((l) => l.msg === 'session table full: closed the least recently used idle session' && l.session === 'c')).toBe(true)
  })

  it('prefers the session idle longest: activity moves a session to the back', () => {
    const { registry, open, closed, advance } = setup()
    open('a')
    advance(10)
    open('b')
    advance(10)
    open('c')
    advance(10)
    registry.get('a') // a request on session a
    expect(registry.makeRoom()).toBe(true)
    expect(closed).toEqual(['b'])
  })

  it('refuses only when every session is busy, and logs a flood of refusals once per period with the count', () => {
    const { registry, open, lines, advance } = setup()
    for (const id of ['a', 'b', 'c']) registry.holdStream(open(id), stream())
    for (let i = 0; i < 50; i++) expect(registry.makeRoom()).toBe(false)
    let refusals = lines.filter((l) => String(l.msg).startsWith('new MCP session refused'))
    expect(refusals).toHaveLength(1)
    expect(refusals[0]).toMatchObject({ level: 40, refused: 1, sessions: 3, max: 3 })
    advance(10_000)
    expect(registry.makeRoom()).toBe(false)
    refusals = lines.filter((l) => String(l.msg).startsWith('new MCP session refused'))
    expect(refusals).toHaveLength(2)
    expect(refusals[1]).toMatchObject({ refused: 50 })
  })
})

describe('SessionRegistry: the sweep', () => {
  it('closes a session whose client never kept a stream open after the short idle time; one that did after the long one', () => {
    const { registry, open, closed, advance, ids } = setup({ max: 10 })
    open('a') // a one-shot tool: initialize, one call, gone
    const b = open('b')
    const held = stream()
    registry.holdStream(b, held) // an agent: its GET stream stays open for a while, then the laptop sleeps
    const c = open('c')
    const brief = stream()
    registry.holdStream(c, brief) // the SDK opens a GET stream and closes it at once (Inspector CLI)
    brief.emit('close')
    advance(5_000)
    held.emit('close')
    expect(registry.sweep()).toBe(2)
    expect(closed.sort()).toEqual(['a', 'c'])
    advance(59_000)
    expect(registry.sweep()).toBe(0)
    advance(1_000)
    expect(registry.sweep()).toBe(1)
    expect(ids()).toEqual([])
  })

  it('never sweeps a session with an open stream or a call in flight, however long it is quiet', () => {
    const { registry, open, advance } = setup({ max: 10 })
    registry.holdStream(open('a'), stream())
    open('b', { idle: false })
    advance(7 * 86_400_000)
    expect(registry.sweep()).toBe(0)
    expect(registry.size).toBe(2)
  })
})
