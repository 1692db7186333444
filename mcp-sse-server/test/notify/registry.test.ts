import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fitMessage } from '../../src/notify/notifier.js'
import { CHANNEL_VARIABLES, channels } from '../../src/notify/registry.js'
import { configFrom } from './helpers.js'

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url))

describe('channel registry', () => {
  it('holds the 23 channels of the contract, with short, lowercase, unique ids, one file each', () => {
    const ids = channels.map((c) => c.id)
    expect(ids).toHaveLength(23)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) {
      expect(id).toMatch(/^[a-z][a-z0-9-]{1,15}$/)
      expect(existsSync(repo(`mcp-sse-server/src/notify/channels/${id}.ts`)), id).toBe(true)
    }
  })

  it('declares a success rule and variables for every channel, and is disabled with no variables', () => {
    for (const c of channels) {
      expect(c.successRule, c.id).toBeTruthy()
      expect(c.variables.length, c.id).toBeGreaterThan(0)
      expect(c.enabled({}), c.id).toBe(false)
    }
  })

  it('lists every channel variable plus the global ones for config.ts', () => {
    for (const c of channels) for (const v of c.variables) expect(CHANNEL_VARIABLES).toContain(v)
    expect(CHANNEL_VARIABLES).toEqual(expect.arrayContaining(['SKIP_PUSH_TITLE', 'HITOKOTO']))
  })

  it('documents every variable in docs/channels.md and .env.example, and every id in the docs', () => {
    const docs = readFileSync(repo('docs/channels.md'), 'utf8')
    const example = readFileSync(repo('.env.example'), 'utf8')
    for (const v of CHANNEL_VARIABLES) {
      expect(docs, v).toContain(`\`${v}\``)
      expect(example, v).toMatch(new RegExp(`^# ${v}=`, 'm'))
    }
    for (const c of channels) expect(docs, c.id).toContain(`— \`${c.id}\``)
  })

  it('config treats credential variables as secrets, and ordinary words (PUSH_PLUS_CHANNEL=wechat) not', () => {
    const config = configFrom({ PUSH_PLUS_TOKEN: 'tok-1234', PUSH_PLUS_CHANNEL: 'wechat', PUSH_PLUS_TEMPLATE: 'html', QYWX_AM: 'a,b,c,d', TG_PROXY_AUTH: 'u:pass' })
    expect(config.secrets).toEqual(expect.arrayContaining(['tok-1234', 'a,b,c,d', 'u:pass']))
    expect(config.secrets).not.toContain('wechat')
    expect(config.secrets).not.toContain('html')
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
