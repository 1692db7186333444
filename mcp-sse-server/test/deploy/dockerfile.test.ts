/**
 * There is no Docker engine here, so the image recipe is proven by replaying it: every COPY source exists (and is not
 * excluded by .dockerignore), the build stage's RUN commands run for real in a temp copy of the repository (npm ci
 * from the registry or npm's cache, the compiler, the build), the runtime stage's COPY --from lines assemble the final
 * /app, and the server starts exactly as ENTRYPOINT + CMD say, with the Dockerfile's ENV, and answers /health.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyRepo, eventually, freePort, healthOk, REPO_DIR, run } from '../helpers/repo-copy.js'
import { LOOPBACK_ONLY_ENV, tempDir } from '../helpers/server.js'
import { parseDockerfile, isDockerIgnored, type Stage } from '../helpers/dockerfile.js'

const dockerfile = parseDockerfile(readFileSync(path.join(REPO_DIR, 'Dockerfile'), 'utf8'))
const ignore = readFileSync(path.join(REPO_DIR, '.dockerignore'), 'utf8')
const [buildStage, runtime] = dockerfile.stages
const TOKEN = 'dockerfile-replay-token-0123456789abcdef'
/** Each replay holds two full node_modules trees (~400 MB each): removed afterwards. */
const bulky: string[] = []
afterAll(async () => {
  // Asynchronous and given time: deleting ~800 MB on a busy disk can take a while.
  await Promise.all(bulky.map((dir) => rm(dir, { recursive: true, force: true })))
}, 300_000)

/** Docker's COPY: a directory's contents go into the destination; several sources or a trailing "/" mean a directory. */
function copyInto(sources: string[], dest: string, from: string, workdir: string): void {
  const target = path.resolve(workdir, dest)
  for (const src of sources) {
    const source = path.join(from, src)
    const into = dest.endsWith('/') || sources.length > 1 ? path.join(target, path.basename(src)) : target
    // cp itself, not fs.cpSync: a node_modules tree is tens of thousands of files, and cp copies them natively.
    const dir = statSync(source).isDirectory()
    mkdirSync(dir ? into : path.dirname(into), { recursive: true })
    execFileSync('cp', ['-a', dir ? `${source}/.` : source, into])
  }
}

/** /app in the image is a temp dir here. */
const mapWorkdir = (stage: Stage, root: string) => {
  const workdir = stage.instructions.find((i) => i.op === 'WORKDIR')?.args
  expect(workdir).toBe('/app')
  return root
}

describe('Dockerfile', () => {
  it('is multi-stage on a supported Node LTS, non-root, with /data as a volume, a health check and an init', () => {
    expect(dockerfile.stages).toHaveLength(2)
    for (const stage of dockerfile.stages) expect(stage.from).toMatch(/^node:(22|24)[.-]/)
    const ops = (op: string) => runtime.instructions.filter((i) => i.op === op).map((i) => i.args)
    expect(ops('USER')).toEqual(['node'])
    expect(ops('VOLUME')).toEqual(['["/data"]'])
    expect(runtime.env).toMatchObject({ HOST: '0.0.0.0', DATA_DIR: '/data', PORT: '8083' })
    expect(ops('EXPOSE')).toEqual([runtime.env.PORT])
    expect(ops('HEALTHCHECK')[0]).toContain('/health')
    expect(runtime.entrypoint).toEqual(['/usr/bin/tini', '--'])
    expect(runtime.instructions.some((i) => i.op === 'RUN' && /apt-get install .*\btini\b/.test(i.args))).toBe(true)
    // Runtime dependencies only: the dev tools never enter the image, not even its build stage.
    expect(buildStage.instructions.some((i) => i.op === 'RUN' && /^npm ci --omit=dev\b/.test(i.args))).toBe(true)
  })

  it('has every COPY source in the build context', () => {
    const sources = buildStage.instructions.filter((i) => i.op === 'COPY').flatMap((i) => i.copy!.sources)
    expect(sources.length).toBeGreaterThan(0)
    for (const src of sources) {
      expect(existsSync(path.join(REPO_DIR, src)), src).toBe(true)
      expect(isDockerIgnored(src, ignore), `${src} is excluded by .dockerignore`).toBe(false)
    }
    expect(isDockerIgnored('.env', ignore)).toBe(true)
    expect(isDockerIgnored('mcp-sse-server/node_modules', ignore)).toBe(true)
  })

  it('builds by replaying its RUN commands, then starts as CMD says and answers /health', async () => {
    const context = copyRepo('docker-context-')
    const buildRoot = tempDir('docker-build-app-')
    bulky.push(context, buildRoot)
    const workdir = mapWorkdir(buildStage, buildRoot)
    // npm's cache stands in for Docker's layer cache; the commands themselves are the Dockerfile's.
    const buildEnv = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_prefer_offline: 'true', ...buildStage.env }
    for (const step of buildStage.instructions) {
      if (step.op === 'COPY') copyInto(step.copy!.sources, step.copy!.dest, context, workdir)
      if (step.op === 'RUN') {
        const result = await run('sh', ['-c', step.args], { cwd: workdir, env: buildEnv, timeoutMs: 420_000 })
        expect(result.code, `RUN ${step.args}\n${result.output}`).toBe(0)
      }
    }
    expect(existsSync(path.join(buildRoot, 'mcp-sse-server/dist/main.js'))).toBe(true)

    const app = tempDir('docker-runtime-app-')
    bulky.push(app)
    mapWorkdir(runtime, app)
    for (const step of runtime.instructions) {
      if (step.op === 'COPY') {
        expect(step.copy!.from).toBe('build')
        copyInto(step.copy!.sources.map((s) => path.relative('/app', s)), step.copy!.dest, buildRoot, app)
      }
      // The runtime stage's RUN lines set up the OS image (tini, /data); they cannot run on this machine.
      if (step.op === 'RUN') expect(step.args).toMatch(/^(apt-get update && apt-get install -y --no-install-recommends tini|mkdir -p \/data && chown node:node \/data)/)
    }
    // Dev dependencies are gone, runtime ones are there.
    expect(existsSync(path.join(app, 'node_modules/vitest'))).toBe(false)
    expect(existsSync(path.join(app, 'node_modules/typescript'))).toBe(false)
    expect(existsSync(path.join(app, 'node_modules/wechaty'))).toBe(true)

    // ENTRYPOINT is tini (not installed here); what it runs is CMD.
    const [command, ...args] = runtime.cmd
    expect(command).toBe('node')
    const imageEnv = { PATH: process.env.PATH, HOME: tempDir(), ...LOOPBACK_ONLY_ENV, ...runtime.env, DATA_DIR: tempDir() }

    // As the image is configured (all interfaces), it refuses to start without a token.
    const refused = await run(process.execPath, args, { cwd: app, env: imageEnv, timeoutMs: 60_000 })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('set MCP_AUTH_TOKEN')

    // With a token it serves. Tests stay on loopback, so HOST and PORT are overridden (as `-e` would).
    const port = await freePort()
    const { spawn } = await import('node:child_process')
    const child = spawn(process.execPath, args, { cwd: app, env: { ...imageEnv, MCP_AUTH_TOKEN: TOKEN, HOST: '127.0.0.1', PORT: String(port) }, stdio: 'ignore' })
    try {
      const health = await eventually(() => healthOk(`http://127.0.0.1:${port}`), 60_000, '/health of the replayed image')
      expect(health).toMatchObject({ status: 'ok' })
      expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(401)
      // The HEALTHCHECK command itself, as Docker would run it inside the container.
      const check = dockerfile.stages[1].instructions.find((i) => i.op === 'HEALTHCHECK')!.args
      const argv = JSON.parse(check.slice(check.indexOf('['))) as string[]
      const probe = await run(process.execPath, argv.slice(1), { cwd: app, env: { PATH: process.env.PATH, PORT: String(port) }, timeoutMs: 30_000 })
      expect(probe.code, probe.output).toBe(0)
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  }, 600_000)
})

describe('docker-compose.yml', () => {
  it('keeps /data on a volume and takes the token from the environment', () => {
    const compose = readFileSync(path.join(REPO_DIR, 'docker-compose.yml'), 'utf8')
    expect(compose).toMatch(/- wechat-data:\/data/)
    expect(compose).toMatch(/MCP_AUTH_TOKEN: \$\{MCP_AUTH_TOKEN:\?/)
    expect(compose).toMatch(/DATA_DIR: \/data/)
    expect(compose).toMatch(/"127\.0\.0\.1:8083:8083"/)
  })
})
