import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js'
import * as z from 'zod'
import type { Config } from '../../config.js'
import { confirmClient } from '../../confirm/client.js'
import type { ConfirmClient } from '../../confirm/confirmer.js'
import type { Logger } from '../../logger.js'
import type { Notifier } from '../../notify/types.js'
import type { OwnerConversation } from '../../owner/owner-conversation.js'
import type { RoadId } from '../../roads/road.js'
import type { Roads } from '../../roads/roads.js'
import type { Directory } from '../../wechat/directory.js'
import type { Inbox } from '../../wechat/inbox.js'
import type { Sender } from '../../wechat/sender.js'

/** What every tool handler gets: narrow parts built once at startup (compose.ts), shared by every session. */
export interface ToolDeps {
  sender: Sender
  inbox: Inbox
  directory: Directory
  /** Every road's login state, and the login page's address. */
  roads: Roads
  /** The conversation with the user themself (sendMessageToMe, waitForMyReply, the chat `me`), on whichever road carries it. */
  owner: OwnerConversation
  notifier: Notifier
  config: Config
  logger: Logger
}

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

type Shape = z.ZodRawShape

export interface ToolDefinition<I extends Shape = Shape, O extends Shape = Shape> {
  name: string
  title: string
  /** Written for the model: what it does, when to use it, what to do on ambiguity. */
  description: string
  inputSchema: I
  outputSchema: O
  /** readOnlyHint is mandatory: READ_ONLY mode hides every tool whose readOnlyHint is false. */
  annotations: ToolAnnotations & { readOnlyHint: boolean }
  /** The road the tool works through: a configuration that does not run that road does not list the tool. */
  road?: RoadId
  /**
   * "optional": a client that supports MCP tasks may run the call as a task (a task id at once, the result later,
   * tasks/cancel stops it); others get the ordinary blocking call. For calls that wait on people (tools/tasks/).
   */
  taskSupport?: 'optional'
  /** `client`: the session the call came from, for the send tools' confirmation (confirm/). */
  handler: (args: z.infer<z.ZodObject<I>>, deps: ToolDeps, extra: ToolExtra, client?: ConfirmClient) => Promise<CallToolResult>
}

export function defineTool<I extends Shape, O extends Shape>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return def
}

/** A successful result: readable text for the model plus the structured form its outputSchema describes. */
export function success(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured }
}

/** An expected failure (not logged in, not found, ambiguous, refused…): tells the model what to do next. */
export function failure(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) }
}

/**
 * Each tool's input and output schemas as zod objects, built once per process. Given a raw shape, the SDK builds a
 * new z.object for every registration, i.e. for every session, and zod compiles its fast parser per object on first
 * use: sharing them saves memory per session and that compilation on each session's first call (bench/, docs/benchmarks.md).
 */
const compiled = new WeakMap<ToolDefinition, { input: z.ZodObject; output: z.ZodObject }>()

function schemasOf(def: ToolDefinition): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = compiled.get(def)
  if (!schemas) compiled.set(def, (schemas = { input: z.object(def.inputSchema), output: z.object(def.outputSchema) }))
  return schemas
}

export function registerTool(server: McpServer, def: ToolDefinition, deps: ToolDeps): void {
  const { input, output } = schemasOf(def)
  server.registerTool(
    def.name,
    {
      title: def.title,
      description: def.description,
      inputSchema: input,
      outputSchema: output,
      annotations: { title: def.title, ...def.annotations },
    },
    // The SDK validated args against inputSchema before calling.
    (async (args: z.infer<z.ZodObject<Shape>>, extra: ToolExtra) => fitted(await def.handler(args, deps, extra, confirmClient(server.server, extra)), output, def.name, deps.logger)) as never,
  )
}

/**
 * The SDK checks a success against the output schema but not a refusal, and a client that listed the tools rejects a
 * refusal whose structuredContent does not match (-32602): the model would never see why it was refused. Such a
 * refusal is a bug (test/e2e/every-answer.test.ts catches them); should one slip through, it is logged and answered
 * with its text alone, which every client shows.
 */
function fitted(result: CallToolResult, output: z.ZodObject, tool: string, logger: Logger): CallToolResult {
  if (!result.isError || result.structuredContent === undefined) return result
  const checked = output.safeParse(result.structuredContent)
  if (checked.success) return result
  logger.error({ tool, issues: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) }, 'a refusal did not match its output schema; sent without structuredContent')
  const { structuredContent: _dropped, ...rest } = result
  return rest
}
