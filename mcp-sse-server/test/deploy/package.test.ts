/**
 * What `npm pack` makes of the server package is a program that runs on its own: the bin is built on pack (prepack),
 * is executable with a node shebang, and needs nothing but the files in the tarball and its declared dependencies.
 * The tarball is unpacked as npm would install it, with each declared runtime dependency (and nothing else) linked
 * beside it from the repository's install, so an import of an undeclared package fails here as it would for a user.
 * (npm itself is not asked to install it: that needs the registry, and tests stay on this machine.)
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { copyRepo, linkNodeModules, REPO_NODE_MODULES, run } from '../helpers/repo-copy.js'
import { LOOPBACK_ONLY_ENV, tempDir } from '../helpers/server.js'

let bin: string
let installed: string
const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...LOOPBACK_ONLY_ENV, LOG_LEVEL: 'warn' })

beforeAll(async () => {
  const repo = copyRepo()
  linkNodeModules(repo)
  const out = tempDir('wechat-mcp-pack-')
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', out], { cwd: path.join(repo, 'mcp-sse-server'), env: { ...process.env, npm_config_offline: 'true' }, timeoutMs: 480_000 })
  expect(packed.code, packed.output).toBe(0)
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'))!
  const app = tempDir('wechat-mcp-app-')
  installed = path.join(app, 'node_modules', 'wechat-mcp')
  mkdirSync(installed, { recursive: true })
  execFileSync('tar', ['-xzf', path.join(out, tarball), '-C', installed, '--strip-components=1'])
  const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { bin: Record<string, string>; dependencies: Record<string, string> }
  for (const dep of Object.keys(manifest.dependencies)) {
    mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true })
    symlinkSync(path.join(REPO_NODE_MODULES, dep), path.join(app, 'node_modules', dep), 'dir')
  }
  bin = path.join(installed, manifest.bin['wechat-mcp'])
  // What npm does when it links a bin (the tarball's mode bits are not kept).
  chmodSync(bin, 0o755)
}, 600_000)

describe('the packed package', () => {
  it('holds the built program and no sources or tests', () => {
    const files = readdirSync(installed, { recursive: true }).map(String)
    expect(files).toContain(path.join('dist', 'main.js'))
    expect(files.filter((f) => f.startsWith('src') || f.startsWith('test') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])
  })

  it('has a bin with a node shebang (npx and npm run it as a program)', () => {
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
  })

  it('`wechat-mcp --help` lists every command', async () => {
    const help = await run(bin, ['--help'], { cwd: tempDir(), env: env() })
    expect(help.code, help.output).toBe(0)
    for (const command of ['serve', 'stdio', 'notify', 'event', 'logout']) expect(help.output).toContain(command)
  })

  it('`wechat-mcp notify` with no channel configured exits 2 and says where to configure one', async () => {
    const notify = await run(bin, ['notify', '--title', 't', '--content', 'c'], { cwd: tempDir(), env: env() })
    expect(notify.code, notify.output).toBe(2)
    expect(notify.output).toContain('docs/channels.md')
  })
})
