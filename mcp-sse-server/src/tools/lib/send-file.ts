/** The two file tools differ only in who receives (lib/twins.ts): this is what the file sends share. */
import * as z from 'zod'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describeRawUrl, loadFromPath, loadFromUrl } from '../../wechat/files.js'
import type { FileSendRequest, TargetKind } from '../../wechat/sender.js'
import type { ToolDeps } from './define.js'
import { confirmInput, pickTarget, sendOutputShape, sendResultToTool } from './shared.js'
import type { ConfirmClient } from '../../confirm/confirmer.js'

export const fileSourceShape = {
  url: z.string().max(4000).optional().describe('an http(s) link to the file or image itself (not a web page about it)'),
  path: z.string().max(4000).optional().describe('a file on the server, inside one of the directories in WECHAT_FILE_DIRS'),
  name: z.string().max(200).optional().describe('the file name the recipient sees, with its extension (default: from the link or path)'),
  caption: z.string().max(100_000).optional().describe('a text sent right after the file'),
  confirm: confirmInput,
}

export const fileSendOutputShape = {
  ...sendOutputShape,
  file: z
    .object({ name: z.string(), size: z.number().int(), mediaType: z.string(), source: z.string() })
    .optional()
    .describe('what was sent (or would have been)'),
}

export const FILE_RULES =
  'Give exactly one of `url` (an http(s) link to the file itself; web pages are refused) or `path` (a file inside the directories the ' +
  'user allowed in WECHAT_FILE_DIRS; anything outside, including through `..` or symbolic links, is refused). Images (png, jpg, gif, webp) ' +
  'arrive as pictures, other files as attachments. Files are limited to WECHAT_MAX_FILE_MB (25 MB by default); for larger ones send the link as text. '

export async function sendFile(
  deps: ToolDeps,
  who: { tool: string; kind: TargetKind; nameField: string; name?: string; id?: string },
  args: { url?: string; path?: string; name?: string; caption?: string; confirm?: string },
  signal?: AbortSignal,
  client?: ConfirmClient,
): Promise<CallToolResult> {
  const { tool, kind } = who
  const target = pickTarget(who.name, who.id, who.nameField)
  const from = fileSource(deps, args)
  if (typeof from === 'string' || typeof target === 'string') {
    const request = { tool, kind, target: { id: who.id, name: who.name }, text: args.caption ?? '' }
    return sendResultToTool(await deps.sender.refuse(request, typeof target === 'string' ? target : (from as string)))
  }
  const caption = args.caption !== undefined ? { caption: args.caption } : {}
  const confirm = { ...(client ? { client } : {}), ...(args.confirm !== undefined ? { token: args.confirm } : {}) }
  const result = await deps.sender.sendFile({ tool, kind, target, ...from, ...caption, confirm }, signal)
  const base = sendResultToTool(result)
  if (!result.file) return base
  return { ...base, structuredContent: { ...base.structuredContent, file: result.file } }
}

/**
 * Where a file comes from, as the sender takes it (loaded only once the target is known and allowed), or what is
 * wrong with the arguments.
 */
export function fileSource(deps: Pick<ToolDeps, 'config'>, args: { url?: string; path?: string; name?: string }): Pick<FileSendRequest, 'source' | 'load'> | string {
  if ((args.url === undefined) === (args.path === undefined)) return 'Give exactly one of `url` or `path`.'
  const { maxBytes, dirs, allowPrivateUrls } = deps.config.files
  // The audit log gets no credentials or query string, even of something that is not a URL.
  const source = args.url !== undefined ? describeRawUrl(args.url) : args.path!
  const load = () =>
    args.url !== undefined
      ? loadFromUrl(args.url, { maxBytes, name: args.name, allowPrivateUrls })
      : loadFromPath(args.path!, { dirs, maxBytes, name: args.name })
  return { source, load }
}
