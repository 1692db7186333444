/**
 * The web road's state machine in process, on the sandbox puppet, driven the way wechat4u's puppet reports things:
 * scan events by status, and errors whose text is all WeChat tells. Each state carries what the user needs to read.
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import type { Roads } from '../../src/roads/roads.js'
import type { WebRoad } from '../../src/roads/web/web-road.js'
import { FAST_SEND_ENV, tempDir, writeFixture } from '../helpers/server.js'
import { composeWeb, nextState, waitForState } from '../helpers/wechat.js'

let web: WebRoad
let roads: Roads

beforeAll(async () => {
  // A login that waits far longer than the test: the road stays at the QR until the test moves it.
  const fixture = writeFixture({ self: { name: 'Me' }, loginDelayMs: 3_600_000, contacts: [{ name: 'Ann' }] })
  const result = loadConfig({ ...FAST_SEND_ENV, WECHATY_PUPPET: 'mock', WECHAT_MOCK_FIXTURE: fixture, DATA_DIR: tempDir(), PORT: '0' }, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  const logger = createLogger({ level: 'silent', secrets: [], destination: new Writable({ write: (_c, _e, done) => done() }) })
  ;({ web, roads } = composeWeb(result.config, logger))
  roads.loginPageUrl = 'http://127.0.0.1:8083/login'
  const waiting = waitForState(web, 'waiting_for_scan')
  await web.start()
  await waiting
})

afterAll(async () => {
  await web?.stop()
})

const puppet = () => web.wechaty!.puppet
const emitError = (message: string) => puppet().emit('error', { data: JSON.stringify({ name: 'AssertionError', message }) })

describe('the web road says what is happening', () => {
  it('scanned keeps the QR and asks for the confirmation on the phone', async () => {
    const qr = web.state.qr
    expect(qr).toMatch(/^https:\/\/login\.weixin\.qq\.com\/l\//)
    const scanned = nextState(web, (s) => s.status === 'scanned')
    puppet().emit('scan', { qrcode: '', status: 3 })
    expect(await scanned).toMatchObject({ status: 'scanned', qr, action: 'Confirm the login on the phone.' })
    expect(roads.hint('web')).toContain('http://127.0.0.1:8083/login')
  })

  it('before a login, wechat4u\'s "400 != 400" is an expired QR, not a refusal', async () => {
    const expired = nextState(web, (s) => s.status === 'expired')
    emitError('AssertionError [ERR_ASSERTION]: 400 != 400')
    expect(await expired).toMatchObject({ reason: 'The QR code expired before it was scanned.' })
  })

  it('after WeChat drops a fresh login (1101), the next QR says why and points at the iLink road', async () => {
    emitError('synccheck: 1101 == 0')
    const fresh = nextState(web, (s) => s.status === 'waiting_for_scan')
    puppet().emit('scan', { qrcode: 'https://login.weixin.qq.com/l/second', status: 2 })
    const state = await fresh
    expect(state.qr).toBe('https://login.weixin.qq.com/l/second')
    expect(state.reason).toContain('error 1101')
    expect(state.action).toContain('ILINK_ENABLED=true')
  })

  it('an account barred from web login (1203) is failed, and says scanning again will not help', async () => {
    const failed = nextState(web, (s) => s.status === 'failed')
    emitError('为了你的帐号安全，此微信号不能登录网页微信。')
    const state = await failed
    expect(state.reason).toMatch(/1203.*scanning again will not change that/)
    expect(state.action).toContain('ILINK_ENABLED=true')
    expect(roads.hint('web')).toContain(state.reason!)
  })
})
