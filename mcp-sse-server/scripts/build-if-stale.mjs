#!/usr/bin/env node
/**
 * `npm start` and `npm run sandbox` compile only when a source changed: loading TypeScript just to learn that dist/
 * is up to date costs more than the server's own start. dist/.tsbuildinfo (written by `tsc -b`) is the mark of the
 * last build; any file under src/ or a build setting newer than it runs the incremental build, which recompiles only
 * what changed.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync, utimesSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const mark = path.join(pkg, 'dist/.tsbuildinfo')

function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
  }
  return latest
}

function builtAt() {
  try {
    return statSync(mark).mtimeMs
  } catch {
    return -1
  }
}

const inputs = Math.max(newest(path.join(pkg, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(path.join(pkg, f)).mtimeMs))
if (inputs > builtAt()) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-b', path.join(pkg, 'tsconfig.build.json')], { stdio: 'inherit' })
  // tsc -b leaves the mark alone when the contents did not change (a touched file): renew it so the next start is quick.
  const now = new Date()
  utimesSync(mark, now, now)
}
