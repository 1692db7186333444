/**
 * wechat4u reports a session WeChat dropped only as an error ("1101 == 0" and its kin, see wechatbot-webhook). Each
 * of those errors, while logged in, logs the account out so a new QR is shown; an error that merely looks alike does
 * not. In process, on the sandbox puppet: the test emits the puppet's `error` event as wechat4u's puppet does.
 * (test/security/faults.test.ts follows one of them through the MCP sessions.)
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import type { RoadState as LoginState } from '../../src/roads/road.js'
import type { WebRoad } from '../../src/roads/web/web-road.js'
import { FAST_SEND_ENV, tempDir } from '../helpers/server.js'
import { composeWeb, waitForState } from '../helpers/wechat.js'

const SILENT_LOGOUT_LINE = 'WeChat dropped the session silently; logging out so a new QR is shown'
let wechat: WebRoad
const logLines: Array<Record<string, unknown>> = []


/** What wechaty-puppet-wechat4u emits for an error of wechat4u's (its `data` is the error, serialised). */
function emitPuppetError(message: string): void {
  wechat.wechaty!.puppet.emit('error', { data: JSON.stringify({ name: 'AssertionError', message }) })
}

beforeAll(async () => {
  const result = loadConfig({ ...FAST_SEND_ENV, WECHATY_PUPPET: 'mock', DATA_DIR: tempDir(), PORT: '0' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l))
      done()
    },
  })
  wechat = composeWeb(result.config, createLogger({ level: 'info', secrets: [], destination })).web
  const loggedIn = waitForState(wechat, 'logged_in')
  await wechat.start()
  await loggedIn
})

afterAll(async () => {
  await wechat?.stop().catch(() => undefined)
})

/** Every row starts logged in: after a logout the sandbox shows a new QR, which is then "scanned". */
beforeEach(async () => {
  if (wechat.isLoggedIn) return
  await waitForState(wechat, 'waiting_for_scan')
  const loggedIn = waitForState(wechat, 'logged_in')
  wechat.sandbox!.login(0)
  await loggedIn
})

describe('silent logouts (wechat4u errors that mean the session is gone)', () => {
  it.each([
    ['1100 == 0', 'synccheck: 1100 == 0'],
    ['1101 == 0', 'synccheck: 1101 == 0'],
    ['1102 == 0', 'AssertionError [ERR_ASSERTION]: 1102 == 0'],
    ['-1 == 0', 'webwxsync: -1 == 0'],
    ['400 != 400', 'AssertionError [ERR_ASSERTION]: 400 != 400'],
  ])('"%s" while logged in logs out, so a new QR is shown', async (_pattern, message) => {
    expect(wechat.state.status).toBe('logged_in')
    const before = logLines.length
    const loggedOut = waitForState(wechat, 'logged_out')
    emitPuppetError(message)
    // The decision is taken while the error event is handled, which is synchronous; the logout itself follows.
    expect(logLines.slice(before).filter((l) => l.msg === SILENT_LOGOUT_LINE)).toHaveLength(1)
    await loggedOut
    expect(logLines.slice(before).some((l) => l.msg === 'WeChat logged out')).toBe(true)
    // Like wechat4u, the sandbox then offers a new QR.
    await waitForState(wechat, 'waiting_for_scan')
  })

  it.each([
    ['a network error', 'synccheck network error ECONNRESET'],
    ['another return code', 'AssertionError [ERR_ASSERTION]: 1205 == 0'],
    ['a 400 that is not the logout assertion', 'request failed with status 400'],
    ['the retcode without the assertion', 'retcode 1101'],
  ])('%s does not log out', async (_name, message) => {
    const states: string[] = []
    const onState = (s: LoginState) => states.push(s.status)
    wechat.on('state', onState)
    const before = logLines.length
    try {
      emitPuppetError(message)
      expect(logLines.slice(before).some((l) => l.msg === SILENT_LOGOUT_LINE)).toBe(false)
      // A matching error right after is the barrier: the first state change that follows is its logout, nothing before.
      const loggedOut = waitForState(wechat, 'logged_out')
      emitPuppetError('synccheck: 1101 == 0')
      await loggedOut
      expect(states[0]).toBe('logged_out')
      expect(logLines.slice(before).filter((l) => l.msg === SILENT_LOGOUT_LINE)).toHaveLength(1)
    } finally {
      wechat.off('state', onState)
    }
  })

  it('a matching error while not logged in (still waiting for the scan) changes nothing', async () => {
    const loggedOut = waitForState(wechat, 'logged_out')
    await wechat.logout()
    await loggedOut
    await waitForState(wechat, 'waiting_for_scan')
    const before = logLines.length
    emitPuppetError('synccheck: 1101 == 0')
    expect(logLines.slice(before).some((l) => l.msg === SILENT_LOGOUT_LINE)).toBe(false)
    expect(wechat.state.status).toBe('waiting_for_scan')
  })
})
