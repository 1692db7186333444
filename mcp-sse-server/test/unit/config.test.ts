import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { dotenv: false })

describe('config', () => {
  it('has working defaults', () => {
    const r = load({})
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.port).toBe(8083)
    expect(r.config.host).toBe('127.0.0.1')
    expect(r.config.puppet).toBe('wechaty-puppet-wechat4u')
    expect(r.config.sandbox).toBe(false)
    expect(r.config.ownerRoad).toBe('auto')
    expect(r.config.allowedHosts).toContain('localhost:8083')
    expect(r.config.allowedOrigins).toContain('http://127.0.0.1:8083')
    expect(Object.isFrozen(r.config)).toBe(true)
    expect(Object.isFrozen(r.config.send)).toBe(true)
  })

  it('lists every bad variable, one line each, saying what is valid', () => {
    const r = load({ PORT: 'abc', WECHATY_PUPPET: 'not a puppet', LOG_LEVEL: 'loud', READ_ONLY: 'maybe', WECHAT_OWNER_ROAD: 'sms' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toHaveLength(5)
    expect(r.errors.find((e) => e.startsWith('WECHAT_OWNER_ROAD='))).toContain('auto, ilink, filehelper')
    expect(r.errors.find((e) => e.startsWith('PORT="abc"'))).toMatch(/number/)
    expect(r.errors.find((e) => e.startsWith('WECHATY_PUPPET='))).toMatch(/wechaty-puppet-wechat4u/)
    expect(r.errors.find((e) => e.startsWith('LOG_LEVEL='))).toMatch(/info/)
    expect(r.errors.find((e) => e.startsWith('READ_ONLY='))).toMatch(/true/)
  })

  it('refuses a non-loopback bind without a token, and accepts it with one', () => {
    const bad = load({ HOST: '0.0.0.0' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.errors[0]).toMatch(/MCP_AUTH_TOKEN/)
    const good = load({ HOST: '0.0.0.0', MCP_AUTH_TOKEN: 'x'.repeat(32) })
    expect(good.ok).toBe(true)
  })

  it('reports an unreadable fixture and never echoes secret values', () => {
    const r = load({ WECHATY_PUPPET: 'mock', WECHAT_MOCK_FIXTURE: '/nonexistent/fixture.json', MCP_AUTH_TOKEN: 'short-secret' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors.some((e) => e.startsWith('WECHAT_MOCK_FIXTURE='))).toBe(true)
    expect(r.errors.join('\n')).not.toContain('short-secret')
    expect(r.errors.find((e) => e.startsWith('MCP_AUTH_TOKEN'))).toMatch(/16 characters/)
  })

  it('treats empty variables as unset and parses lists', () => {
    const r = load({ PORT: '', WECHAT_ALLOWED_CONTACTS: ' 老张 , Alice ,', NOTIFY_EVENTS: 'end,error' })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.port).toBe(8083)
    expect(r.config.allowedContacts).toEqual(['老张', 'Alice'])
    expect(r.config.notify.events).toEqual(['end', 'error'])
  })

  it('allows the bind address as a Host only when it is a real name, always with loopback', () => {
    const lan = load({ HOST: '192.168.1.20', MCP_AUTH_TOKEN: 'x'.repeat(32) })
    expect(lan.ok && lan.config.allowedHosts).toEqual(expect.arrayContaining(['192.168.1.20:8083', 'localhost:8083', '127.0.0.1']))
    const any = load({ HOST: '0.0.0.0', MCP_AUTH_TOKEN: 'x'.repeat(32) })
    expect(any.ok && any.config.allowedHosts.some((h) => h.startsWith('0.0.0.0'))).toBe(false)
    const named = load({ HOST: '0.0.0.0', MCP_AUTH_TOKEN: 'x'.repeat(32), ALLOWED_HOSTS: 'wechat.example.com' })
    expect(named.ok && named.config.allowedHosts).toEqual(['wechat.example.com'])
  })

  it('reads the iLink road: off by default, WeChat’s addresses, the window and budget; bad values named', () => {
    const off = load({})
    expect(off.ok && off.config.ilink).toEqual({
      enabled: false,
      baseUrl: 'https://ilinkai.weixin.qq.com',
      cdnUrl: 'https://novac2c.cdn.weixin.qq.com/c2c',
      windowHours: 24,
      maxPerOwnerMessage: 10,
    })
    const on = load({ ILINK_ENABLED: 'true', ILINK_BASE_URL: 'http://127.0.0.1:9999/', ILINK_WINDOW_HOURS: '12', ILINK_MAX_PER_OWNER_MESSAGE: '5' })
    expect(on.ok && on.config.ilink).toMatchObject({ enabled: true, baseUrl: 'http://127.0.0.1:9999', windowHours: 12, maxPerOwnerMessage: 5 })
    const bad = load({ ILINK_BASE_URL: 'ftp://x', ILINK_WINDOW_HOURS: '0', ILINK_MAX_PER_OWNER_MESSAGE: 'lots' })
    expect(bad.ok).toBe(false)
    if (bad.ok) return
    expect(bad.errors.map((e) => e.split('=')[0]).sort()).toEqual(['ILINK_BASE_URL', 'ILINK_MAX_PER_OWNER_MESSAGE', 'ILINK_WINDOW_HOURS'])
  })
})
