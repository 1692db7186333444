/* global process */
// Loaded into a server child by bench/profile.ts only: the first SIGUSR2 starts the CPU profiler, the second stops it
// and writes the profile to $BENCH_PROFILE_OUT, so the profile covers the load and nothing of the start-up.
import { Session } from 'node:inspector'
import { writeFileSync } from 'node:fs'

const session = new Session()
session.connect()
let running = false
process.on('SIGUSR2', () => {
  if (!running) {
    running = true
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 200 }, () =>
        session.post('Profiler.start', () => process.stdout.write(`${JSON.stringify({ msg: 'bench profile started' })}\n`)),
      ),
    )
    return
  }
  session.post('Profiler.stop', (err, result) => {
    running = false
    if (!err) writeFileSync(process.env.BENCH_PROFILE_OUT ?? 'bench.cpuprofile', JSON.stringify(result.profile))
    process.stdout.write(`${JSON.stringify({ msg: 'bench profile written', error: err ? String(err) : undefined })}\n`)
  })
})
