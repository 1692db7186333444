/** Valid settings that are probably mistakes: each is reported once, saying what to do. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { distance } from '../../src/config-warnings.js'

function warningsOf(env: Record<string, string>): readonly string[] {
  const result = loadConfig(env, { dotenv: false })
  if (!result.ok) throw new Error(result.errors.join('\n'))
  return result.config.warnings
}

describe('configuration warnings', () => {
  it('none for a plain configuration', () => {
    expect(warningsOf({ PORT: '8083', HOME: '/root', PATH: '/usr/bin', HOSTNAME: 'box' })).toEqual([])
  })

  it('a variable one edit away from a known one names the known one', () => {
    expect(warningsOf({ PROT: '9000' })).toEqual([expect.stringMatching(/^PROT is not a variable this server reads; did you mean PORT\?/)])
    expect(warningsOf({ TG_BOT_TOKNE: 'x' })).toEqual([expect.stringContaining('did you mean TG_BOT_TOKEN?')])
  })

  it('WECHAT_MOCK_FIXTURE outside the sandbox', () => {
    expect(warningsOf({ WECHAT_MOCK_FIXTURE: '/tmp/f.json' })).toEqual([expect.stringMatching(/not the sandbox.*npm run sandbox/)])
  })

  it('a WECHAT_FILE_DIRS entry that is not an existing folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warn-'))
    const missing = path.join(dir, 'nope')
    expect(warningsOf({ WECHAT_FILE_DIRS: `${dir},${missing}` })).toEqual([`WECHAT_FILE_DIRS: "${missing}" is not an existing folder, so no file can be sent from it: create it or correct the path`])
  })

  it('HOST=0.0.0.0 with the default ALLOWED_HOSTS, and not once they are set', () => {
    const token = { MCP_AUTH_TOKEN: 'a-long-enough-token-1234' }
    expect(warningsOf({ HOST: '0.0.0.0', ...token })).toEqual([expect.stringMatching(/^HOST=0\.0\.0\.0 .*set ALLOWED_HOSTS/)])
    expect(warningsOf({ HOST: '0.0.0.0', ALLOWED_HOSTS: 'my-server:8083', ...token })).toEqual([])
  })

  it('reads .env for lines without "=" and near-miss names (two edits allowed there)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'warn-env-'))
    writeFileSync(path.join(dir, '.env'), '# a comment\nPORT=8083\nMCP_AUTH_TOKEN\nLOG_LEVLE=debug\n\nexport HOST=127.0.0.1\n')
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      const result = loadConfig({}, { dotenv: true })
      expect(result.ok && result.config.warnings).toEqual([
        '.env line 3 has no "=" and is ignored: write it as NAME=value, or start it with # to keep it as a comment',
        expect.stringContaining('LOG_LEVLE is not a variable this server reads; did you mean LOG_LEVEL?'),
      ])
    } finally {
      process.chdir(cwd)
    }
  })

  it('counts a swap of neighbours as one edit', () => {
    expect(distance('PROT', 'PORT')).toBe(1)
    expect(distance('HOME', 'HOST')).toBe(2)
  })
})
