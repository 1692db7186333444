import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { registerTool, type ToolDefinition, type ToolDeps } from '../tools/lib/define.js'
import { tools as allTools } from '../tools/index.js'
import { ROADS } from '../roads/index.js'
import { VERSION } from '../version.js'
import { sdkRequestHandlers } from '../internals.js'
import { attachChannel, CHANNEL_CAPABILITIES, CHANNEL_INSTRUCTIONS } from '../channel/attach.js'
import type { ChannelHub } from '../channel/hub.js'
import { SessionTaskStore } from '../tools/tasks/store.js'
import { runAsTasks } from '../tools/tasks/run-as-task.js'

/**
 * The tools this configuration exposes. READ_ONLY and the roads are filters here, not checks inside each tool: a
 * tool that sends anything (readOnlyHint false) under READ_ONLY, or one whose road this configuration does not run
 * (friends and groups under WECHATY_PUPPET=none), simply does not exist for the client.
 */
export function exposedTools(deps: Pick<ToolDeps, 'config'>, tools: readonly ToolDefinition[] = allTools): ToolDefinition[] {
  const roads = ROADS.filter((road) => road.enabled(deps.config)).map((road) => road.id)
  return tools.filter((tool) => (!deps.config.readOnly || tool.annotations.readOnlyHint) && (!tool.road || roads.includes(tool.road)))
}

/**
 * Left to itself, every McpServer builds its own Ajv instance (about 18 KB of heap, for elicitation, which these tools
 * never use): one shared validator keeps an idle session's cost down (measured in bench/, docs/benchmarks.md).
 */
let sharedValidator: AjvJsonSchemaValidator | undefined

const INSTRUCTIONS =
  'Reach people on WeChat as the user, and push notifications. Look people up with findFriend/findRoom before sending; ' +
  'never guess between several matches: ask the user. If WeChat is not logged in, give the user the login URL from getLoginStatus.'

/** What a session brings with it: the channel hub (when CHANNEL_ENABLED) and the name it asked for. */
export interface SessionOptions {
  channel?: ChannelHub
  /** From `wechat-mcp stdio --name`, an X-Channel-Name header or ?name= on the MCP URL. */
  name?: string
}

/** One McpServer per client session; the state behind the tools (bot, channels) is shared through deps. */
export function createServer(deps: ToolDeps, session: SessionOptions = {}): McpServer {
  const exposed = exposedTools(deps)
  const taskTools = new Set(exposed.filter((tool) => tool.taskSupport).map((tool) => tool.name))
  // Per session, like the McpServer: a session's tasks die with it (and their waits with them).
  const tasks = taskTools.size > 0 ? new SessionTaskStore(deps.config.tasks) : undefined
  const server = new McpServer(
    { name: 'wechat-mcp', version: VERSION },
    {
      jsonSchemaValidator: (sharedValidator ??= new AjvJsonSchemaValidator()),
      instructions: session.channel ? INSTRUCTIONS + CHANNEL_INSTRUCTIONS : INSTRUCTIONS,
      capabilities: {
        ...(session.channel ? { experimental: CHANNEL_CAPABILITIES } : {}),
        ...(tasks ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
      },
      ...(tasks ? { taskStore: tasks } : {}),
    },
  )
  for (const tool of exposed) registerTool(server, tool, deps)
  if (tasks) {
    runAsTasks(server, tasks, taskTools)
    const previousOnClose = server.server.onclose
    server.server.onclose = () => {
      tasks.dispose()
      previousOnClose?.()
    }
  }
  answerBadParamsAsInvalidParams(server)
  if (session.channel) attachChannel(server, session.channel, session.name)
  return server
}

/**
 * The SDK parses each request's params against its schema and, when they do not fit (`tools/call` with a numeric
 * `name`, say), answers -32603 "Internal error". JSON-RPC's answer is -32602 "Invalid params", which tells the
 * client the fault is its own. The SDK keeps its handlers in a private map (src/internals.ts); if a future SDK drops it
 * this is a no-op, and test/unit/internals.test.ts and test/security/bad-input.test.ts notice.
 */
function answerBadParamsAsInvalidParams(server: McpServer): void {
  const handlers = sdkRequestHandlers(server.server)
  if (!handlers) return
  for (const [method, handler] of handlers) {
    handlers.set(method, async (request: unknown, extra: unknown) => {
      try {
        return await handler(request, extra)
      } catch (err) {
        if (!isSchemaError(err)) throw err
        const issues = err.issues.slice(0, 5).map((i) => `${i.path?.join('.') || '(params)'}: ${i.message}`)
        throw new McpError(ErrorCode.InvalidParams, `Invalid params for ${method}: ${issues.join('; ')}`)
      }
    })
  }
}

function isSchemaError(err: unknown): err is { issues: Array<{ path?: PropertyKey[]; message: string }> } {
  return err instanceof Error && /ZodError$/.test(err.name) && Array.isArray((err as { issues?: unknown }).issues)
}
