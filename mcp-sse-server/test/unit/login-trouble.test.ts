/** wechat4u's refusals in words, and the spacing of login attempts that keep failing. */
import { describe, expect, it } from 'vitest'
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, classify, LoginBackoff } from '../../src/roads/web/login-trouble.js'

describe('classify', () => {
  it.each([
    ['AssertionError [ERR_ASSERTION]: 1100 == 0', '1100'],
    ['synccheck: 1101 == 0', '1101'],
    ['{"name":"AssertionError","message":"1102 == 0"}', '1102'],
    ['webwxsync: -1 == 0', '-1'],
  ])('"%s": WeChat ended the session, named by its code, pointing at the iLink road', (error, code) => {
    const trouble = classify(error)
    expect(trouble).toMatchObject({ kind: 'session_dropped', code })
    expect(trouble!.reason).toContain(`error ${code}`)
    expect(trouble!.action).toContain('ILINK_ENABLED=true')
  })

  it.each([
    ['1203 in an assertion', 'AssertionError: 1203 == 0'],
    ["WeChat's own words", '为了你的帐号安全，此微信号不能登录网页微信。你可以使用Windows微信或Mac微信在电脑端登录。'],
    ['the English page', 'You cannot log in to WeChat for Web'],
  ])('%s: barred from web login, retrying does not help, the iLink road does', (_name, error) => {
    const trouble = classify(error)
    expect(trouble?.kind).toBe('barred')
    expect(trouble!.reason).toMatch(/1203.*will not change/)
    expect(trouble!.action).toContain('ILINK_ENABLED=true')
  })

  it.each(['getaddrinfo ENOTFOUND login.wx.qq.com', 'connect ECONNREFUSED 127.0.0.1:9', 'timeout of 30000ms exceeded', 'socket hang up'])(
    '"%s": WeChat cannot be reached',
    (error) => {
      const trouble = classify(error)
      expect(trouble?.kind).toBe('unreachable')
      expect(trouble!.reason).toMatch(/^WeChat cannot be reached from this server \(/)
      expect(trouble!.reason).toContain(error)
    },
  )

  it.each([
    ['a token without its provider prefix', 'Wechaty Puppet Service requires a SNI as prefix of the token from version 0.30 and later.'],
    ['a token the gateway does not know', '16 UNAUTHENTICATED: Unauthenticated'],
  ])('%s: the gateway refuses it, and the action names the variable', (_name, error) => {
    const trouble = classify(error)
    expect(trouble?.kind).toBe('gateway_refused')
    expect(trouble!.action).toContain('WECHATY_PUPPET_SERVICE_TOKEN')
  })

  it.each(['AssertionError: 1205 == 0', 'retcode 1101', 'request failed with status 400', 'something else'])('"%s" is nothing known', (error) => {
    expect(classify(error)).toBeUndefined()
  })
})

describe('LoginBackoff', () => {
  it('goes at once, then doubles each quick failure up to the cap, and starts over after a login', () => {
    let now = 0
    const backoff = new LoginBackoff(() => now)
    const delays: number[] = []
    for (let i = 0; i < 12; i++) {
      const delay = backoff.next()
      delays.push(delay)
      now += delay + 100 // each attempt fails 100 ms after it starts
    }
    expect(delays.slice(0, 5)).toEqual([0, BACKOFF_FIRST_MS, 2 * BACKOFF_FIRST_MS, 4 * BACKOFF_FIRST_MS, 8 * BACKOFF_FIRST_MS])
    expect(Math.max(...delays)).toBe(BACKOFF_MAX_MS)
    expect(delays.at(-1)).toBe(BACKOFF_MAX_MS)
    backoff.reset()
    expect(backoff.next()).toBe(0)
  })

  it('an attempt that lasted (a QR left on screen until it expired) does not count as a quick failure', () => {
    let now = 0
    const backoff = new LoginBackoff(() => now, 120_000)
    expect(backoff.next()).toBe(0)
    now += 1_000
    expect(backoff.next()).toBe(BACKOFF_FIRST_MS)
    now += BACKOFF_FIRST_MS + 180_000
    expect(backoff.next()).toBe(0)
  })

  it('an account WeChat bars waits the longest from the first retry', () => {
    const backoff = new LoginBackoff(() => 0)
    expect(backoff.next('barred')).toBe(BACKOFF_MAX_MS)
  })
})
