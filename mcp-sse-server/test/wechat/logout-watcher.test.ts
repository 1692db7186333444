import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import type { RoadState as LoginState } from '../../src/roads/road.js'
import { LogoutWatcher, logoutMessage } from '../../src/wechat/logout-watcher.js'
import { httpNotifier, startChannelServer, type ChannelServer } from '../helpers/channel-server.js'

const logger = createLogger({ level: 'silent', secrets: [] })
const state = (status: LoginState['status'], name?: string): LoginState => ({ status, since: new Date().toISOString(), ...(name ? { user: { id: 'me', name } } : {}) })

let channel: ChannelServer
beforeEach(async () => {
  channel = await startChannelServer()
})
afterEach(async () => {
  await channel.close()
})

function setup(options: { channels?: string[]; publicUrl?: string } = {}) {
  let now = 1_000_000
  const source = new EventEmitter<{ state: [LoginState] }>()
  const notifier = httpNotifier(channel.url, options.channels)
  const watcher = new LogoutWatcher({
    notifier,
    logger,
    loginPageUrl: () => `${options.publicUrl ?? 'http://127.0.0.1:8083'}/login`,
    isPublicUrl: options.publicUrl !== undefined,
    minIntervalMs: 60_000,
    now: () => now,
  }).watch(source)
  const emit = (...states: LoginState[]) => states.forEach((s) => source.emit('state', s))
  return { emit, watcher, notifier, advance: (ms: number) => (now += ms) }
}

describe('LogoutWatcher', () => {
  it('sends exactly one notification for a flapping connection, another after the quiet interval', async () => {
    const { emit, watcher, advance } = setup({ publicUrl: 'https://wechat.example.com' })
    emit(state('starting'), state('waiting_for_scan'), state('logged_in', '我'), state('logged_out'))
    await watcher.pending
    // Flapping: log in and drop again several times within the interval.
    for (let i = 0; i < 5; i++) {
      advance(1_000)
      emit(state('waiting_for_scan'), state('logged_in', '我'), state('logged_out'))
    }
    await watcher.pending
    expect(channel.received).toHaveLength(1)
    const body = JSON.parse(channel.received[0].body)
    expect(body.title).toBe('WeChat logged out')
    expect(body.content).toMatch(/^WeChat logged out; scan at https:\/\/wechat\.example\.com\/login\n/)
    expect(body.content).toContain('"我"')

    advance(60_000)
    emit(state('logged_in', '我'), state('logged_out'))
    await watcher.pending
    expect(channel.received).toHaveLength(2)
  })

  it('treats a new QR while logged in as a logout too', async () => {
    const { emit, watcher } = setup()
    emit(state('logged_in', '我'), state('waiting_for_scan'))
    await watcher.pending
    expect(channel.received).toHaveLength(1)
  })

  it('says nothing while the account was never logged in', async () => {
    const { emit, watcher } = setup()
    emit(state('starting'), state('waiting_for_scan'), state('logged_out'), state('waiting_for_scan'))
    await watcher.pending
    expect(channel.received).toHaveLength(0)
  })

  it('leaves out the WeChat channel (unreachable once logged out) and sends nothing when it is the only one', async () => {
    const both = setup({ channels: ['wechat', 'local'] })
    both.emit(state('logged_in', '我'), state('logged_out'))
    await both.watcher.pending
    expect(both.notifier.requests[0].channels).toEqual(['local'])

    const onlyWechat = setup({ channels: ['wechat'] })
    onlyWechat.emit(state('logged_in', '我'), state('logged_out'))
    await onlyWechat.watcher.pending
    expect(onlyWechat.notifier.requests).toHaveLength(0)
  })
})

describe('logoutMessage', () => {
  it('points at PUBLIC_URL/login, or says where the page is without it', () => {
    expect(logoutMessage('https://x.example/login', true).content.split('\n')[0]).toBe('WeChat logged out; scan at https://x.example/login')
    expect(logoutMessage('http://127.0.0.1:8083/login', false).content).toMatch(/^WeChat logged out; scan at http:\/\/127\.0\.0\.1:8083\/login \(.*set PUBLIC_URL/)
  })
})
