/**
 * findFriend and findRoom differ only in what they look up and in their words: the lookup, the answer and the
 * refusals are this one factory, each tool a thin file of its own (as the send twins are, in twins.ts).
 */
import * as z from 'zod'
import { MATCH_KINDS, type Directory, type Lookup, type Match } from '../../wechat/directory.js'
import { defineTool, failure, success } from './define.js'
import { loginStatusShape, notLoggedIn, READ_ANNOTATIONS } from './shared.js'

const FIND_ERRORS = ['not_logged_in', 'not_found'] as const

/** One find tool: `Entry` is what the directory holds, `Shown` what the model sees of each one found. */
export interface Finder<Entry, Shown> {
  name: string
  title: string
  description: string
  /** The argument that holds the name looked for, with its description. */
  queryField: 'nickname' | 'topic'
  queryDescription: string
  /** The answer's field that lists what was found, and the schema of each one in it (its `match` is added). */
  listField: 'friends' | 'rooms'
  shownShape: z.ZodRawShape
  lookup: (directory: Directory, query: string, limit: number) => Lookup<Entry>
  show: (entry: Entry) => Shown
  /** One line of the readable answer. */
  line: (found: Match<Shown>) => string
  /** The readable answer's first line. */
  heading: (query: string, found: { total: number; exact: number }) => string
  /** Nothing matched at all: what to try instead. */
  notFound: (query: string) => string
}

export function findTool<Entry, Shown>(finder: Finder<Entry, Shown>) {
  return defineTool({
    name: finder.name,
    title: finder.title,
    description: finder.description,
    inputSchema: {
      [finder.queryField]: z.string().trim().min(1).max(200).describe(finder.queryDescription),
      limit: z.number().int().min(1).max(100).optional().describe('most partial matches to return (default 20)'),
    },
    outputSchema: {
      query: z.string(),
      [finder.listField]: z.array(z.object({ ...finder.shownShape, match: z.enum(MATCH_KINDS) })),
      exactCount: z.number().int(),
      error: z.enum(FIND_ERRORS).optional().describe('why nothing was found'),
      loginStatus: loginStatusShape,
    },
    annotations: READ_ANNOTATIONS,
    road: 'web',
    async handler(args, deps) {
      // The SDK validated the arguments against the schema built from `queryField` above.
      const { [finder.queryField]: query, limit } = args as Record<Finder<Entry, Shown>['queryField'], string> & { limit?: number }
      const nothing = { query, [finder.listField]: [], exactCount: 0 }
      const refused = notLoggedIn(deps, nothing)
      if (refused) return refused
      const found = await deps.directory.lookupFresh((d) => finder.lookup(d, query, limit ?? 20))
      const list: Array<Match<Shown>> = [
        ...found.exact.map((e) => ({ ...finder.show(e), match: 'exact' as const })),
        ...found.partial.map((e) => ({ ...finder.show(e), match: 'partial' as const })),
      ]
      if (list.length === 0) return failure(finder.notFound(query), { ...nothing, error: 'not_found' })
      const heading = finder.heading(query, { total: list.length, exact: found.exact.length })
      return success(`${heading}\n${list.map(finder.line).join('\n')}`, { query, [finder.listField]: list, exactCount: found.exact.length })
    },
  })
}
