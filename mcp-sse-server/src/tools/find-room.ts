import * as z from 'zod'
import { quote } from '../wechat/quote.js'
import { findTool } from './lib/find.js'

export default findTool({
  name: 'findRoom',
  title: 'Find WeChat groups',
  description:
    'Looks up WeChat group chats (rooms) by topic: exact matches (ignoring case and surrounding spaces) first, then partial ones. ' +
    'Each result has an `id` that sendMessageToRoom accepts for this login. WeChat only lists groups saved to contacts or recently active.',
  queryField: 'topic',
  queryDescription: 'group name, whole or part',
  listField: 'rooms',
  shownShape: { id: z.string(), topic: z.string(), memberCount: z.number().int() },
  lookup: (directory, query, limit) => directory.findRooms(query, limit),
  show: (r) => r,
  line: (r) => `- ${quote(r.topic)} (${r.memberCount} members) [${r.match}] id=${quote(r.id)}`,
  heading: (query, found) => `${found.total} group(s) found for ${quote(query)}.`,
  notFound: (query) =>
    `No group's name contains ${quote(query)}. Try a shorter part of the name; WeChat only shows groups saved to contacts or recently active.`,
})
