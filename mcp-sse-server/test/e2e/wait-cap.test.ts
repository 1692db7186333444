/** Waits are cheap but not free: past WECHAT_MAX_WAITS a new wait is answered at once instead of held. */
import { expect, it } from 'vitest'
import { call, connect, text } from '../helpers/clients.js'
import { startServer } from '../helpers/server.js'

it('refuses a wait past WECHAT_MAX_WAITS, and frees the slots when waits end', async () => {
  const server = await startServer({ WECHAT_MAX_WAITS: '2', LOG_LEVEL: 'debug' })
  try {
    const client = await connect(server.url, 'streamableHttp')
    const controllers = [new AbortController(), new AbortController()]
    const waits = controllers.map((c, i) =>
      client.callTool({ name: 'waitForReply', arguments: { nickname: i ? '老张' : 'Bob', timeoutSeconds: 3600 } }, undefined, { signal: c.signal }).catch(() => 'cancelled'),
    )
    await server.waitForLog(() => server.logs().filter((l) => l.msg === 'reply wait started').length === 2)
    const third = await call(client, 'waitForReply', { nickname: '李四', timeoutSeconds: 3600 })
    expect(third.isError).toBe(true)
    expect(text(third)).toMatch(/WECHAT_MAX_WAITS=2/)
    controllers.forEach((c) => c.abort())
    expect(await Promise.all(waits)).toEqual(['cancelled', 'cancelled'])
    await server.waitForLog((l) => l.msg === 'reply wait ended' && l.waiting === 0)
    // A slot is free again: this wait runs (and times out at once with the smallest wait).
    const again = await call(client, 'waitForReply', { nickname: '李四', timeoutSeconds: 1 })
    expect(again.structuredContent).toMatchObject({ status: 'timeout' })
    await client.close()
  } finally {
    await server.stop()
  }
})
