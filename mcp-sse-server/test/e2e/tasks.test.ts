/**
 * waitForReply as an MCP task (2025-11-25) for a client that declares tasks: a task id at once, the reply through
 * tasks/result once a sandbox message arrives, tasks/cancel and the TTL ending the wait and freeing its waiter, and a
 * per-session cap. A client that does not declare tasks keeps the blocking call with progress.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CallToolResultSchema, CreateTaskResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, connect } from '../helpers/clients.js'
import { inbound, nextLog } from '../helpers/conversation.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const fixture = {
  self: { name: 'Me' },
  contacts: [
    { id: 'c-alice', name: 'Alice' },
    { id: 'c-bob', name: 'Bob' },
    { id: 'c-carol', name: 'Carol' },
  ],
  rooms: [],
}

let server: RunningServer
beforeAll(async () => {
  server = await startServer({
    WECHAT_MOCK_FIXTURE: writeFixture(fixture),
    LOG_LEVEL: 'debug',
    WECHAT_WAIT_PROGRESS_S: '1',
    WECHAT_MAX_WAITS: '2',
    WECHAT_MAX_TASKS: '2',
    WECHAT_TASK_POLL_MS: '100',
  })
})
afterAll(async () => {
  await server?.stop()
})

async function taskClient(): Promise<Client> {
  const client = new Client(
    { name: 'wechat-mcp-tasks-test', version: '1.0.0' },
    { capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } },
  )
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url)))
  return client
}

function startTask(client: Client, args: Record<string, unknown>, ttl = 60_000, name = 'waitForReply') {
  return client.request({ method: 'tools/call', params: { name, arguments: args, task: { ttl } } }, CreateTaskResultSchema)
}

async function post(from: string, text: string): Promise<void> {
  const res = await inbound(server, { from, text })
  expect(res.status, await res.clone().text()).toBe(200)
}

describe('waitForReply for a client that supports tasks', () => {
  let client: Client
  beforeAll(async () => {
    client = await taskClient()
  })
  afterAll(async () => {
    await client?.close()
  })

  it('is listed as able to run as a task, and nothing else is', async () => {
    const { tools } = await client.listTools()
    const taskTools = tools.filter((t) => t.execution?.taskSupport && t.execution.taskSupport !== 'forbidden').map((t) => [t.name, t.execution?.taskSupport])
    expect(taskTools.sort()).toEqual([['waitForMyReply', 'optional'], ['waitForReply', 'optional']])
    expect(client.getServerCapabilities()?.tasks).toMatchObject({ cancel: {}, requests: { tools: { call: {} } } })
  })

  it('answers with a task at once and delivers the reply through tasks/result', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-alice')
    const { task } = await startTask(client, { nickname: 'Alice', timeoutSeconds: 600 })
    expect(task).toMatchObject({ status: 'working', ttl: 60_000 })
    await started
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'working' })

    const result = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
    await post('Alice', 'yes, ship it')
    const reply = (await result) as CallToolResult
    expect(reply.isError).toBeFalsy()
    expect(reply.structuredContent).toMatchObject({ status: 'replied', chat: { id: 'c-alice' }, message: { text: 'yes, ship it' } })
    expect(await client.experimental.tasks.getTask(task.taskId)).toMatchObject({ status: 'completed' })
  })

  it('runs waitForMyReply as a task too: the user\'s answer typed on the phone, and cancel', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'me')
    const { task } = await startTask(client, { timeoutSeconds: 600 }, 60_000, 'waitForMyReply')
    await started
    const result = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
    await post('me', 'go on')
    expect(((await result) as CallToolResult).structuredContent).toMatchObject({ status: 'replied', message: { text: 'go on' } })

    const again = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'me')
    const { task: second } = await startTask(client, { timeoutSeconds: 600 }, 60_000, 'waitForMyReply')
    await again
    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'me')
    await client.experimental.tasks.cancelTask(second.taskId)
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
  })

  it('also works through the SDK client\'s own task stream', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-bob')
    const stream = client.experimental.tasks.callToolStream({ name: 'waitForReply', arguments: { nickname: 'Bob', timeoutSeconds: 600 } }, CallToolResultSchema, { task: { ttl: 60_000 } })
    const kinds: string[] = []
    let posted = false
    for await (const message of stream) {
      kinds.push(message.type)
      if (message.type === 'taskCreated' && !posted) {
        posted = true
        await started
        await post('Bob', 'done')
      }
      if (message.type === 'error') throw message.error
      if (message.type === 'result') expect(message.result.structuredContent).toMatchObject({ status: 'replied', message: { text: 'done' } })
    }
    expect(kinds[0]).toBe('taskCreated')
    expect(kinds.at(-1)).toBe('result')
  })

  it('stops the wait and frees its waiter when the task is cancelled', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-carol')
    const { task } = await startTask(client, { nickname: 'Carol', timeoutSeconds: 600 })
    const started2 = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-bob')
    const { task: other } = await startTask(client, { nickname: 'Bob', timeoutSeconds: 600 })
    await started
    await started2
    // Both of WECHAT_MAX_WAITS=2 are taken: a third wait is refused.
    expect((await call(client, 'waitForReply', { nickname: 'Alice', timeoutSeconds: 1 })).structuredContent).toMatchObject({ error: 'too_many_waits' })

    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'c-carol')
    expect(await client.experimental.tasks.cancelTask(task.taskId)).toMatchObject({ status: 'cancelled' })
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 1 })
    expect((await call(client, 'waitForReply', { nickname: 'Alice', timeoutSeconds: 1 })).structuredContent).toMatchObject({ status: 'timeout' })

    const endedOther = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'c-bob')
    await client.experimental.tasks.cancelTask(other.taskId)
    expect(await endedOther).toMatchObject({ outcome: 'cancelled', waiting: 0 })
  })

  it('ends the wait, frees the waiter and forgets the task when its TTL runs out', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-carol')
    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'c-carol')
    const { task } = await startTask(client, { nickname: 'Carol', timeoutSeconds: 600 }, 1500)
    await started
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
    await expect(client.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/not found/i)
  })

  it('refuses more tasks than WECHAT_MAX_TASKS per session, making room from finished ones first', async () => {
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-alice')
    const { task: a } = await startTask(client, { nickname: 'Alice', timeoutSeconds: 600 })
    await started
    const started2 = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-bob')
    const { task: b } = await startTask(client, { nickname: 'Bob', timeoutSeconds: 600 })
    await started2
    await expect(startTask(client, { nickname: 'Carol', timeoutSeconds: 600 })).rejects.toThrow(/Too many tasks.*WECHAT_MAX_TASKS/)

    // Another session has its own tasks.
    const other = await taskClient()
    try {
      const refused = await startTask(other, { nickname: 'Carol', timeoutSeconds: 600 })
      // …and the waits cap (2, both taken) answers inside its task.
      const result = (await other.experimental.tasks.getTaskResult(refused.task.taskId, CallToolResultSchema)) as CallToolResult
      expect(result.structuredContent).toMatchObject({ error: 'too_many_waits' })
    } finally {
      await other.close()
    }

    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'c-alice')
    await post('Alice', 'here')
    await ended
    expect(await client.experimental.tasks.getTaskResult(a.taskId, CallToolResultSchema)).toMatchObject({ structuredContent: { status: 'replied' } })
    // a finished: it makes room for a new task.
    const started3 = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-carol')
    const { task: c } = await startTask(client, { nickname: 'Carol', timeoutSeconds: 600 })
    await started3
    await client.experimental.tasks.cancelTask(b.taskId)
    await client.experimental.tasks.cancelTask(c.taskId)
  })

  it('ends its waits when the session closes', async () => {
    const other = await taskClient()
    const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-carol')
    const ended = nextLog(server, (l) => l.msg === 'reply wait ended' && l.chat === 'c-carol')
    await startTask(other, { nickname: 'Carol', timeoutSeconds: 600 })
    await started
    await (other.transport as StreamableHTTPClientTransport).terminateSession()
    await other.close()
    expect(await ended).toMatchObject({ outcome: 'cancelled', waiting: 0 })
  })
})

describe('waitForReply for a client without tasks', () => {
  it('is still one blocking call with progress notifications', async () => {
    const client = await connect(server.url, 'streamableHttp')
    try {
      const started = nextLog(server, (l) => l.msg === 'reply wait started' && l.chat === 'c-bob')
      let progress = 0
      let posted: Promise<void> | undefined
      const reply = (await client.callTool({ name: 'waitForReply', arguments: { nickname: 'Bob', timeoutSeconds: 600 } }, undefined, {
        onprogress: () => {
          progress++
          posted ??= started.then(() => post('Bob', 'after progress'))
        },
      })) as CallToolResult
      await posted
      expect(progress).toBeGreaterThan(0)
      expect(reply.structuredContent).toMatchObject({ status: 'replied', message: { text: 'after progress' } })
    } finally {
      await client.close()
    }
  })
})
