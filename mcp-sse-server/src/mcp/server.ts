import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { registerTool, type ToolDefinition, type ToolDeps } from '../tools/define.js'
import { tools as allTools } from '../tools/index.js'
import { VERSION } from '../version.js'

/**
 * The tools this configuration exposes. READ_ONLY is a filter here, not a check inside each tool: a tool that
 * sends anything (readOnlyHint false) simply does not exist for the client.
 */
export function exposedTools(deps: Pick<ToolDeps, 'config'>, tools: readonly ToolDefinition[] = allTools): ToolDefinition[] {
  return tools.filter((tool) => !deps.config.readOnly || tool.annotations.readOnlyHint)
}

/** One McpServer per client session; the state behind the tools (bot, channels) is shared through deps. */
export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer(
    { name: 'wechat-mcp', version: VERSION },
    {
      instructions:
        'Reach people on WeChat as the user, and push notifications. Look people up with findFriend/findRoom before sending; ' +
        'never guess between several matches: ask the user. If WeChat is not logged in, give the user the login URL from getLoginStatus.',
    },
  )
  for (const tool of exposedTools(deps)) registerTool(server, tool, deps)
  return server
}
