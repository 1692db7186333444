/**
 * A misbehaving client in its own process (clients are separate programs; in the bench process its work would slow
 * down the measured client's own side): one SDK session over Streamable HTTP keeping `inFlight` findFriend calls
 * outstanding for `ms`, each for `nickname`, or for a name no one has (a new one each call) when `typos` is set.
 * Prints one JSON line with the latency statistics when done. Configured by BENCH_LOAD (JSON), for the bench only.
 */
import { closeAll, closedLoop, connect, stats } from './load.js'

const { url, inFlight, ms, nickname, typos } = JSON.parse(process.env.BENCH_LOAD ?? '{}') as {
  url: string
  inFlight: number
  ms: number
  nickname: string
  typos?: boolean
}

const client = await connect(url, 'streamableHttp')
let count = 0
/** A failed call (a reset connection on an overloaded box) is counted and the load goes on: the load is the point. */
let errors = 0
process.stdout.write(`${JSON.stringify({ msg: 'load ready' })}\n`)
const run = await closedLoop(
  Array.from({ length: inFlight }, () => client),
  async (c) => {
    const name = typos ? `zq-typo-${process.pid}-${++count}-xj` : nickname
    return (await c.callTool({ name: 'findFriend', arguments: { nickname: name } }).catch(() => {
      errors++
      return undefined
    })) as never
  },
  { ms, maxCalls: 10_000_000 },
)
await closeAll([client])
process.stdout.write(`${JSON.stringify({ msg: 'load done', ...stats(run), errors })}\n`)
process.exit(0)
