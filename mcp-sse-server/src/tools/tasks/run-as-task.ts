import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult, CreateTaskResult } from '@modelcontextprotocol/sdk/types.js'
import type { ToolExtra } from '../lib/define.js'
import type { SessionTaskStore } from './store.js'

type Handler = (request: unknown, extra: unknown) => Promise<unknown>

interface CallRequest {
  method: string
  params?: { name?: unknown; task?: { ttl?: number }; _meta?: Record<string, unknown>; [key: string]: unknown }
}

/**
 * Lets the named tools run as MCP tasks (2025-11-25) for clients that ask for one: a task id at once, the result when
 * the work ends, tasks/cancel stopping the work. A call without `task` takes the SDK's ordinary path unchanged (a
 * blocking call with progress), which the SDK's own `registerToolTask` cannot offer: for taskSupport "optional" it
 * answers plain calls by polling its task store every pollInterval instead. So the tool stays an ordinary tool, and
 * a task-augmented call runs that same ordinary path (input and output validated as usual) in the background with
 * the task's signal. The SDK keeps its handlers in a private map (as server.ts's answerBadParamsAsInvalidParams
 * relies on too); if a future SDK drops it, the tools simply stay blocking-only and test/e2e/tasks.test.ts notices.
 */
export function runAsTasks(server: McpServer, store: SessionTaskStore, names: ReadonlySet<string>): void {
  if (names.size === 0) return
  const handlers = (server.server as unknown as { _requestHandlers?: unknown })._requestHandlers
  if (!(handlers instanceof Map)) return
  const map = handlers as Map<string, Handler>
  const list = map.get('tools/list')
  const call = map.get('tools/call')
  if (!list || !call) return

  map.set('tools/list', async (request, extra) => {
    const result = (await list(request, extra)) as { tools: Array<{ name: string; execution?: unknown }> }
    for (const tool of result.tools) if (names.has(tool.name)) tool.execution = { taskSupport: 'optional' }
    return result
  })

  map.set('tools/call', async (request, extra) => {
    const { params } = request as CallRequest
    if (!params?.task || typeof params.name !== 'string' || !names.has(params.name)) return call(request, extra)
    const callExtra = extra as ToolExtra
    const task = await store.createTask({ ttl: params.task.ttl }, callExtra.requestId, request as never)
    const signal = store.signal(task.taskId)!
    // The task is polled, not watched: no progress token (its stream ends with this answer), and the task's own signal.
    const { task: _task, _meta, ...plain } = params
    const { progressToken: _token, ...meta } = _meta ?? {}
    const background = { ...callExtra, signal, _meta: meta }
    void (call({ ...(request as CallRequest), params: { ...plain, _meta: meta } }, background) as Promise<CallToolResult>)
      // A refusal (isError) is still the tool's answer, and what the model must read: the task completed. The SDK's
      // client turns a "failed" task into a bare "Task failed" error without fetching the result.
      .then((result) => store.storeTaskResult(task.taskId, 'completed', result))
      .catch((err: unknown) => {
        const text = `The task ended without a result: ${err instanceof Error ? err.message : String(err)}`
        return store.storeTaskResult(task.taskId, 'failed', { isError: true, content: [{ type: 'text', text }] })
      })
      .catch(() => undefined) // cancelled, expired or the session closed: nobody is left to read the result
    const created: CreateTaskResult = { task }
    return created
  })
}
