/**
 * PM2 for real, with the repository's ecosystem.config.cjs: start, /health, kill -9, PM2 restarts it, /health,
 * `pm2 stop` stops it gracefully. A temp PM2_HOME keeps the test's daemon apart from any other.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { buildServer, copyRepo, eventually, freePort, healthOk, linkNodeModules, REPO_NODE_MODULES, run } from '../helpers/repo-copy.js'
import { tempDir } from '../helpers/server.js'

const PM2 = path.join(REPO_NODE_MODULES, 'pm2', 'bin', 'pm2')
const pm2Home = tempDir('pm2-home-')
let repo: string | undefined
let env: NodeJS.ProcessEnv

const pm2 = (...args: string[]) => run(process.execPath, [PM2, ...args], { cwd: repo!, env, timeoutMs: 60_000 })

afterAll(async () => {
  if (repo) await pm2('kill')
}, 60_000)

it('runs under PM2, is restarted after kill -9 and stops gracefully', async () => {
  repo = copyRepo()
  linkNodeModules(repo)
  await buildServer(repo)
  const port = await freePort()
  const dataDir = tempDir()
  env = { PATH: process.env.PATH, HOME: process.env.HOME, PM2_HOME: pm2Home, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', WECHATY_PUPPET: 'mock' }
  const url = `http://127.0.0.1:${port}`

  const started = await pm2('start', 'ecosystem.config.cjs')
  expect(started.code, started.output).toBe(0)
  await eventually(() => healthOk(url), 30_000, '/health after pm2 start')

  const pidOf = async () => Number((await pm2('pid', 'wechat-mcp')).output.trim())
  const firstPid = await pidOf()
  expect(firstPid).toBeGreaterThan(0)
  process.kill(firstPid, 'SIGKILL')
  const secondPid = await eventually(async () => {
    const pid = await pidOf()
    if (!(pid > 0 && pid !== firstPid)) throw new Error(`pid is ${pid}`)
    return pid
  }, 30_000, 'a new process')
  expect(secondPid).not.toBe(firstPid)
  const health = await eventually(() => healthOk(url), 30_000, '/health after the restart')
  expect(health.status).toBe('ok')
  const list = (await pm2('jlist')).output
  const [app] = JSON.parse(list.slice(list.indexOf('[')))
  expect(app.pm2_env.restart_time).toBeGreaterThanOrEqual(1)
  expect(app.pm2_env.exec_mode).toBe('fork_mode')

  const stopped = await pm2('stop', 'wechat-mcp')
  expect(stopped.code, stopped.output).toBe(0)
  await expect(healthOk(url)).rejects.toThrow()

  // The logs are under DATA_DIR, and the stop was the graceful one (not a kill after kill_timeout).
  const outLog = path.join(dataDir, 'logs', 'wechat-mcp.out.log')
  expect(existsSync(outLog)).toBe(true)
  // PM2's daemon copies the process's output into the file on its own time: `pm2 stop` can return before the last
  // lines are there. A process killed mid-shutdown never writes "stopped", so this still fails then.
  const lines = await eventually(async () => {
    const logged = readFileSync(outLog, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    if (logged.at(-1)?.msg !== 'stopped') throw new Error(`the last line is ${JSON.stringify(logged.at(-1))}`)
    return logged
  }, 30_000, 'the graceful stop ("stopped") as the last line of the PM2 log')
  expect(lines.filter((l) => l.msg === 'wechat-mcp listening')).toHaveLength(2)
  expect(lines.at(-1)).toMatchObject({ msg: 'stopped' })
}, 240_000)
