/**
 * The terminal is where most users first look: each road's state change that carries words (why it is not logged
 * in, what to do) is written there as one plain line, beside the QR code, not only into the JSON log.
 */
import type { Roads } from './roads.js'
import type { RoadId, RoadState } from './road.js'

export function printRoadStates(roads: Roads, write: (line: string) => void = (line) => process.stderr.write(line)): void {
  const titles = new Map(roads.list().map((r) => [r.id, r.title]))
  const last = new Map<RoadId, string>()
  const print = (id: RoadId, state: RoadState) => {
    const line = describeLine(titles.get(id) ?? id, state)
    if (!line || last.get(id) === line) return
    last.set(id, line)
    write(`${line}\n`)
  }
  // A road that is off says so once at start (WECHATY_PUPPET=none is a choice worth confirming).
  for (const { id, state } of roads.list()) if (state.status === 'off' && state.reason && id === 'web') print(id, state)
  roads.on('state', print)
}

function describeLine(title: string, { status, reason, action, user }: RoadState): string | undefined {
  if (status === 'logged_in') return `${title}: logged in${user ? ` as ${user.name}` : ''}.`
  if (!reason) return undefined
  return `${title}: ${status.replace(/_/g, ' ')}. ${reason}${action ? ` ${action}` : ''}`
}
