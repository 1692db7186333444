import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createNotifier, fitMessage } from '../../src/notify/notifier.js'
import { CHANNEL_VARIABLES, SECRET_VARIABLES, channelStatuses, channels } from '../../src/notify/registry.js'
import type { ChannelDefinition } from '../../src/notify/types.js'
import { configFrom, firstSetup, flagged, silentLogger } from './helpers.js'

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url))

const channelFiles = readdirSync(repo('mcp-sse-server/src/notify/channels')).filter((f) => f.endsWith('.ts'))
const names = (c: ChannelDefinition) => Object.keys(c.variables)

describe('channel registry', () => {
  it('registers every file of channels/ once, with short, lowercase, unique ids named after the file', () => {
    const ids = channels.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(channelFiles.map((f) => f.replace(/\.ts$/, '')).sort())
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]{1,15}$/)
  })

  it('derives enablement from the declarations: off with nothing set, on with examples of the first setup', () => {
    for (const c of channels) {
      expect(c.successRule, c.id).toBeTruthy()
      expect(c.enabled({}), c.id).toBe(false)
      expect(c.status({}).state, c.id).toBe('off')
      const env = Object.fromEntries(firstSetup(c).map((n) => [n, c.variables[n].example]))
      for (const [n, v] of Object.entries(env)) expect(v, `${c.id}: ${n} needs an example`).toBeTruthy()
      for (const n of flagged(c, 'endpoint')) expect(c.variables[n].example, `${c.id}: endpoint ${n} needs an example`).toBeTruthy()
      expect(c.enabled(env), c.id).toBe(true)
      // Each variable of the setup is needed: without it the channel is off (or half-configured) and names it.
      for (const n of firstSetup(c)) {
        const status = c.status({ ...env, [n]: ' ' })
        expect(status.state, `${c.id} without ${n}`).toBe(firstSetup(c).length > 1 ? 'half' : 'off')
        expect(status.missing.join(' '), `${c.id} without ${n}`).toContain(n)
      }
    }
  })

  it('declares secret every variable whose name says credential', () => {
    // A safety net under the declarations, not their source: a new FOO_TOKEN left unflagged fails here.
    const credential = /TOKEN|SECRET|KEY|PASSWORD|AUTH|SPT|_AM$|_QQ$|_URL$/
    for (const c of channels) for (const n of names(c)) if (credential.test(n)) expect(c.variables[n].secret, `${c.id}: ${n}`).toBe(true)
    for (const n of names(channels.find((c) => c.id === 'pushplus')!)) if (!/TOKEN/.test(n)) expect(SECRET_VARIABLES.has(n), n).toBe(false)
  })

  it('lists every channel variable plus the global ones for config.ts', () => {
    for (const c of channels) for (const v of names(c)) expect(CHANNEL_VARIABLES).toContain(v)
    expect(CHANNEL_VARIABLES).toEqual(expect.arrayContaining(['SKIP_PUSH_TITLE', 'HITOKOTO']))
  })

  it('documents every variable in docs/channels.md and .env.example, the required ones in bold, and every id', () => {
    const docs = readFileSync(repo('docs/channels.md'), 'utf8')
    const example = readFileSync(repo('.env.example'), 'utf8')
    for (const v of CHANNEL_VARIABLES) {
      expect(docs, v).toContain(`\`${v}\``)
      expect(example, v).toMatch(new RegExp(`^# ${v}=`, 'm'))
    }
    for (const c of channels) {
      expect(docs, c.id).toContain(`— \`${c.id}\``)
      for (const v of [...flagged(c, 'required'), ...(c.alternatives ?? []).flat()]) expect(docs, `${c.id}: ${v} in bold`).toContain(`**\`${v}\`**`)
    }
  })

  it('config treats declared secrets as secrets, the parts inside composite values too, and ordinary words not', () => {
    const config = configFrom({ PUSH_PLUS_TOKEN: 'tok-1234', PUSH_PLUS_CHANNEL: 'wechat', PUSH_PLUS_TEMPLATE: 'html', QYWX_AM: 'corp-1,secret-2,@all,1', TG_PROXY_AUTH: 'user:pass' })
    expect(config.secrets).toEqual(expect.arrayContaining(['tok-1234', 'corp-1,secret-2,@all,1', 'secret-2', 'user:pass']))
    expect(config.secrets).not.toContain('wechat')
    expect(config.secrets).not.toContain('html')
  })
})

describe('half-configured channels', () => {
  const statusOf = (env: Record<string, string>) => channelStatuses(env).filter((s) => s.state !== 'off')
  it.each([
    ['TG_BOT_TOKEN without TG_USER_ID', { TG_BOT_TOKEN: '1:abc' }, [{ id: 'telegram', state: 'half', set: ['TG_BOT_TOKEN'], missing: ['TG_USER_ID'] }]],
    ['SMTP_SERVER without the account', { SMTP_SERVER: 'smtp.qq.com:465' }, [{ id: 'smtp', state: 'half', missing: ['SMTP_EMAIL', 'SMTP_PASSWORD'] }]],
    ['SMTP account without a server', { SMTP_EMAIL: 'a@b.c', SMTP_PASSWORD: 'pw12' }, [{ id: 'smtp', state: 'half', missing: ['SMTP_SERVER or SMTP_SERVICE'] }]],
    ['a WxPusher app token without recipients', { WXPUSHER_APP_TOKEN: 'AT_1' }, [{ id: 'wxpusher', state: 'half', missing: ['WXPUSHER_TOPIC_IDS or WXPUSHER_UIDS'] }]],
    ['an optional variable alone', { DD_BOT_SECRET: 'SEC1' }, [{ id: 'dingtalk', state: 'half', missing: ['DD_BOT_TOKEN'] }]],
    ['a variable two channels share (QYWX_ORIGIN), with one of them on', { QYWX_KEY: 'k', QYWX_ORIGIN: 'https://relay' }, [{ id: 'wecom-bot', state: 'on', missing: [] }]],
    ['a blank required variable', { TG_BOT_TOKEN: '1:abc', TG_USER_ID: '  ' }, [{ id: 'telegram', state: 'half', missing: ['TG_USER_ID'] }]],
  ])('%s', (_, env, expected) => {
    expect(statusOf(env)).toMatchObject(expected)
  })

  it('are named, with what is missing, in the notifier status, every report and the refusal of a filtered send', async () => {
    const config = configFrom({ TG_BOT_TOKEN: '1:abc', SMTP_SERVER: 'smtp.qq.com:465' })
    const notifier = createNotifier({ config, logger: silentLogger(config) })
    const half = [
      { channel: 'telegram', set: ['TG_BOT_TOKEN'], missing: ['TG_USER_ID'] },
      { channel: 'smtp', set: ['SMTP_SERVER'], missing: ['SMTP_EMAIL', 'SMTP_PASSWORD'] },
    ]
    expect(notifier.status()).toEqual({ on: [], halfConfigured: half })
    expect(await notifier.send({ title: 't', content: 'c' })).toEqual({ results: [], halfConfigured: half })
    const filtered = await notifier.send({ title: 't', content: 'c', channels: ['telegram', 'bark'] })
    expect(filtered.results.map((r) => r.error)).toEqual([
      'channel telegram is half-configured: TG_BOT_TOKEN is set but TG_USER_ID is missing (see docs/channels.md)',
      'channel bark is not configured: set BARK_PUSH (see docs/channels.md)',
    ])
  })
})

describe('limits', () => {
  it('trims the content (code point safe, marked) so that title + content fits', () => {
    const fitted = fitMessage({ title: 'T', content: '字'.repeat(100) }, { maxBytes: 60 })
    expect(Buffer.byteLength(`${fitted.title}\n\n${fitted.content}`)).toBeLessThanOrEqual(60)
    expect(fitted.content).toMatch(/^字+…\(truncated\)$/)
    // 20 code points = "T\n\n" (3) + 5 rockets + "…(truncated)" (12): an emoji counts once, never split.
    expect(fitMessage({ title: 'T', content: '🚀'.repeat(20) }, { maxChars: 20 }).content).toBe(`${'🚀'.repeat(5)}…(truncated)`)
    const short = { title: 'T', content: 'ok' }
    expect(fitMessage(short, { maxChars: 4096 })).toBe(short)
  })
})
