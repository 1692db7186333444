/**
 * Log lines for a person at a terminal: `12:03:04 WARN  notify: message key=value`, local time, no epoch
 * milliseconds. Only used when stdout is a terminal; anything else (a pipe, PM2, Docker, the tests) gets pino's JSON.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' }
const RESET = '\x1b[0m'

export function prettyLine(line: string, color = false): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const { time, level, msg, component, ...rest } = entry
  const clock = typeof time === 'number' ? new Date(time).toTimeString().slice(0, 8) : ''
  const levelWord = LEVELS[Number(level)] ?? String(level)
  const shown = color && COLORS[Number(level)] ? `${COLORS[Number(level)]}${levelWord}${RESET}` : levelWord
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ')
  return `${clock} ${shown} ${component ? `${String(component)}: ` : ''}${String(msg ?? '')}${fields ? `  ${fields}` : ''}`
}

/** Pino writes whole lines; a chunk may hold several. */
export function prettyChunk(chunk: string, color = false): string {
  return chunk
    .split('\n')
    .map((l) => (l ? prettyLine(l, color) : l))
    .join('\n')
}
