/**
 * The process-wide handlers `serve` installs: a stray rejected promise is logged as "unhandled promise rejection" and
 * the server carries on; an uncaught exception is logged and the process exits for the process manager to restart.
 * Proven in a child process (Node's own default for an unhandled rejection is to crash, which the control run shows),
 * and in this process with a captured logger.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { installProcessHandlers } from '../../src/serve.js'
import { PACKAGE_DIR, runTs, tempDir } from '../helpers/server.js'

const dir = tempDir('wechat-mcp-handlers-')
const script = path.join(dir, 'child.mjs')
const src = (file: string) => pathToFileURL(path.join(PACKAGE_DIR, 'src', file)).href
writeFileSync(
  script,
  `import { installProcessHandlers } from ${JSON.stringify(src('serve.ts'))}
import { createLogger } from ${JSON.stringify(src('logger.ts'))}
const mode = process.argv[2]
if (mode !== 'bare-reject') installProcessHandlers(createLogger({ level: 'info', secrets: [] }))
if (mode === 'reject' || mode === 'bare-reject') {
  Promise.reject(new Error('deliberately unhandled'))
  // Runs only if the process survived the rejection (it is handled before any timer or immediate).
  setImmediate(() => process.stdout.write('still alive\\n'))
}
if (mode === 'throw') setImmediate(() => { throw new Error('deliberately uncaught') })
`,
)

async function run(mode: string): Promise<{ code: number | null; stdout: string; stderr: string; lines: Array<Record<string, unknown>> }> {
  const result = await runTs([script, mode], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } })
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { ...result, lines }
}

describe('in a process of its own', () => {
  it('an unhandled rejection is logged and the process carries on (and ends normally)', async () => {
    const { code, stdout, lines, stderr } = await run('reject')
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'unhandled promise rejection', err: expect.stringContaining('Error: deliberately unhandled') })])
    expect(stdout).toContain('still alive\n')
    expect(code, stderr).toBe(0)
  })

  it('control: without the handlers, Node ends the process at the same rejection', async () => {
    const { code, stdout, stderr } = await run('bare-reject')
    expect(code).toBe(1)
    expect(stdout).not.toContain('still alive')
    expect(stderr).toContain('deliberately unhandled')
  })

  it('an uncaught exception is logged as fatal and the process exits with 1', async () => {
    const { code, lines } = await run('throw')
    expect(lines).toEqual([expect.objectContaining({ level: 60, msg: expect.stringMatching(/^uncaught exception/), err: expect.stringContaining('deliberately uncaught') })])
    expect(code).toBe(1)
  })
})

describe('in this process, with a captured logger', () => {
  it('the handler takes the rejection, logs it, and does not exit; removing it restores the listeners', async () => {
    const lines: Array<Record<string, unknown>> = []
    let onLine: (() => void) | undefined
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        onLine?.()
        done()
      },
    })
    const logged = new Promise<void>((resolve) => (onLine = () => lines.some((l) => l.msg === 'unhandled promise rejection') && resolve()))

    // Vitest reports unhandled rejections as failures: its own listener steps aside while only ours is installed.
    const runnerListeners = process.listeners('unhandledRejection')
    const exceptionListeners = process.listeners('uncaughtException').length
    process.removeAllListeners('unhandledRejection')
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never)
    const uninstall = installProcessHandlers(createLogger({ level: 'info', secrets: [], destination }))
    try {
      expect(process.listenerCount('unhandledRejection')).toBe(1)
      void Promise.reject(new Error('deliberately unhandled in process'))
      await logged
      expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'unhandled promise rejection', err: expect.stringContaining('deliberately unhandled in process') })])
      expect(exit).not.toHaveBeenCalled()
    } finally {
      uninstall()
      exit.mockRestore()
      for (const listener of runnerListeners) process.on('unhandledRejection', listener)
    }
    expect(process.listeners('unhandledRejection')).toEqual(runnerListeners)
    expect(process.listenerCount('uncaughtException')).toBe(exceptionListeners)
  })
})
