/** Just enough of Dockerfile and .dockerignore syntax to replay this project's image recipe. */

export interface Instruction {
  op: string
  args: string
  copy?: { from?: string; sources: string[]; dest: string }
}

export interface Stage {
  from: string
  name?: string
  instructions: Instruction[]
  env: Record<string, string>
  cmd: string[]
  entrypoint: string[]
}

export function parseDockerfile(text: string): { stages: Stage[] } {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
  const globalArgs: Record<string, string> = {}
  const stages: Stage[] = []
  for (const line of logical) {
    const [, op, args] = line.match(/^(\w+)\s+(.*)$/)!
    const upper = op.toUpperCase()
    if (upper === 'ARG' && stages.length === 0) {
      const [k, v = ''] = args.split('=')
      globalArgs[k] = v
      continue
    }
    if (upper === 'FROM') {
      const [image, , name] = args.replace(/\$\{(\w+)\}/g, (_, k) => globalArgs[k] ?? '').split(/\s+/)
      stages.push({ from: image, name, instructions: [], env: {}, cmd: [], entrypoint: [] })
      continue
    }
    const stage = stages.at(-1)!
    const instruction: Instruction = { op: upper, args }
    if (upper === 'ENV') for (const pair of args.split(/\s+/)) stage.env[pair.split('=')[0]] = pair.slice(pair.indexOf('=') + 1)
    if (upper === 'CMD') stage.cmd = JSON.parse(args)
    if (upper === 'ENTRYPOINT') stage.entrypoint = JSON.parse(args)
    if (upper === 'COPY') {
      const words = args.split(/\s+/)
      const flags = words.filter((w) => w.startsWith('--'))
      const paths = words.filter((w) => !w.startsWith('--'))
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length)
      instruction.copy = { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1)! }
    }
    stage.instructions.push(instruction)
  }
  return { stages }
}

/** .dockerignore matching (Go filepath.Match plus "**"); the last matching pattern wins, "!" re-includes. */
export function isDockerIgnored(file: string, dockerignore: string): boolean {
  let ignored = false
  for (const raw of dockerignore.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const negate = line.startsWith('!')
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '')
    const regex = new RegExp(
      '^' +
        pattern
          .split('**/')
          .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
          .join('(?:.*/)?') +
        '(?:/.*)?$',
    )
    if (regex.test(file)) ignored = !negate
  }
  return ignored
}
