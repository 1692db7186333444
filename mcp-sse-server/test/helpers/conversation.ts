/** Helpers for conversation tests: make a sandbox contact speak, and await log lines that come after a point in time. */
import type { RunningServer } from './server.js'

export async function inbound(server: RunningServer, body: { from: string; room?: string; text: string }, token?: string): Promise<Response> {
  return fetch(`${server.url}/sandbox/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
}

/**
 * The first log line written after this call that matches. Call it before the action that should log, then await.
 * Event-driven: it looks again whenever the server writes to stdout.
 */
export function nextLog(server: RunningServer, predicate: (line: Record<string, unknown>) => boolean, timeoutMs = server.waitMs()): Promise<Record<string, unknown>> {
  const seen = server.logs().length
  return new Promise((resolve, reject) => {
    const stdout = server.child.stdout!
    const check = () => {
      const hit = server.logs().slice(seen).find(predicate)
      if (!hit) return
      done()
      resolve(hit)
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${server.stdout().split('\n').slice(-10).join('\n')}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      stdout.off('data', check)
    }
    // The server helper's own listener, added first, has appended the chunk by the time this one runs.
    stdout.on('data', check)
  })
}
