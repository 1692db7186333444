/**
 * Vitest global setup: brings dist/ up to date once, before any suite starts, with the same incremental build
 * `npm start` uses (nothing to do when no source changed). The suites then start the server and the CLI from
 * dist/main.js, as users do, instead of transpiling the sources in every child.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/build-if-stale.mjs')
  execFileSync(process.execPath, [script], { stdio: 'inherit' })
}
