/**
 * The README's promise, literally: the root `npm run sandbox` script (build, then the server with the mock WeChat)
 * serves, from the repository's folder. `npm start` is the same script with the real puppet.
 */
import { spawn } from 'node:child_process'
import { expect, it } from 'vitest'
import { REPO_DIR } from '../helpers/repo-copy.js'
import { LOOPBACK_ONLY_ENV, tempDir } from '../helpers/server.js'

it('`npm run sandbox` at the root builds and serves, logged in to the demo address book', async () => {
  const child = spawn('npm', ['run', '--silent', 'sandbox'], {
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...LOOPBACK_ONLY_ENV, PORT: '0', DATA_DIR: tempDir(), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const port = out.match(/"port":(\d+)[^\n]*wechat-mcp listening/)?.[1]
        const indexed = out.includes('address book indexed')
        if (port && indexed) resolve(`http://127.0.0.1:${port}`)
      }
      child.stdout.on('data', check)
      child.once('exit', () => reject(new Error(`npm run sandbox exited:\n${out}`)))
    })
    const health = await (await fetch(`${url}/health`)).json()
    expect(health).toMatchObject({ status: 'ok', wechat: { status: 'logged_in', user: '我' } })
  } finally {
    // npm and the server it started: the whole process group.
    if (child.pid) process.kill(-child.pid, 'SIGINT')
    await exited
  }
  expect(out).toMatch(/"msg":"stopped"/)
}, 120_000)
