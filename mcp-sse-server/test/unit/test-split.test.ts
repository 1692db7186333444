/**
 * `npm test` runs the in-process `unit` project first with a worker per core, then the `e2e` project: a suite that
 * starts child processes but is missing from vitest.config.ts's SPAWNING list would run in the unit project and
 * compete with it for the cores, and `npm run test:unit` would stop being the quick loop.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { SPAWNING } from '../../vitest.config.js'
import { SLOW_FIRST } from '../support/sequencer.js'

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Imports that start a process: the server or CLI helpers, npm and repository copies, a browser, a gateway. */
const STARTS_PROCESSES = [
  /import \{[^}]*\b(startServer|runCli|runTs|runNode)\b[^}]*\} from '\.\.\/helpers\/server\.js'/,
  /import \{[^}]*\b(spawn|fork|exec|execFile)\b[^}]*\} from 'node:child_process'/,
  /from '\.\.\/helpers\/(repo-copy|browser|gateway)\.js'/,
]

function globToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')
  return new RegExp(`^${pattern}$`)
}

it('every test file that starts a child process is in the e2e project', () => {
  const spawning = SPAWNING.map(globToRegExp)
  const files = readdirSync(path.join(PACKAGE, 'test'), { recursive: true })
    .map((f) => `test/${String(f)}`)
    .filter((f) => f.endsWith('.test.ts'))
  const unitButSpawning = files.filter(
    (f) => !spawning.some((re) => re.test(f)) && STARTS_PROCESSES.some((re) => re.test(readFileSync(path.join(PACKAGE, f), 'utf8'))),
  )
  expect(unitButSpawning).toEqual([])
  // The list names only files that exist (a renamed suite would silently move to the unit project).
  for (const glob of SPAWNING.filter((g) => !g.includes('*'))) expect(files, glob).toContain(glob)
})

it('the suites the sequencer starts first exist and run in the e2e project', () => {
  const spawning = SPAWNING.map(globToRegExp)
  for (const file of SLOW_FIRST) {
    expect(readdirSync(path.join(PACKAGE, path.dirname(file))), file).toContain(path.basename(file))
    expect(spawning.some((re) => re.test(file)), file).toBe(true)
  }
})
