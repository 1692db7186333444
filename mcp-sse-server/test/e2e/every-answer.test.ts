/**
 * Every answer matches its own schema. An official SDK client that has listed the tools validates each result's
 * structuredContent against the tool's outputSchema and throws -32602 instead of showing a result that does not
 * match: a refusal that breaks its schema is a refusal the model never sees. This calls every tool through every
 * error path the sandbox can reach, with such a client, and checks each answer is delivered, is (or is not) an
 * error as expected, and names its error code. Table-driven over the tool list: a new tool, or a new error code in
 * a tool's schema, fails here until it has cases.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as z from 'zod'
import { tools } from '../../src/tools/index.js'
import { connect } from '../helpers/clients.js'
import { inbound } from '../helpers/conversation.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

type Args = Record<string, unknown>
/**
 * `confirming` requires confirmation of every send (WECHAT_CONFIRM_SENDS=all, a 1 s timeout) and its client cannot be
 * asked; `asking` is a client of the same server that declares elicitation and declines, or never answers when the
 * question mentions a timeout. `unaudited` is the live server once its audit log has been made unwritable (after every `live` case). */
type ServerName = 'live' | 'waiting' | 'paced' | 'unaudited' | 'confirming' | 'asking'

interface Case {
  why: string
  on: ServerName
  args: Args
  /** The expected `error` code of a refusal; absent for an answer that is not an error. */
  error?: string
  /** Notification tools have no `error` code: their refusals are outcomes. */
  outcome?: string
}

const fixture = {
  self: { name: 'Me' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-ming-1', name: '小明', alias: '' },
    { id: 'c-ming-2', name: '小明' },
    { id: 'c-bob', name: 'Bob' },
    { id: 'c-fake-helper', name: 'filehelper' },
  ],
  rooms: [
    { id: 'r-family@chatroom', topic: 'Family', members: ['c-zhang', 'c-bob'] },
    { id: 'r-dup-1@chatroom', topic: 'Twins', members: ['c-bob'] },
    { id: 'r-dup-2@chatroom', topic: 'Twins', members: ['c-zhang'] },
    { id: 'r-closed@chatroom', topic: 'Closed', members: ['c-bob'] },
  ],
}

const fileDir = tempDir('wechat-mcp-every-answer-')
writeFileSync(path.join(fileDir, 'note.txt'), 'a note\n')
const FILE = path.join(fileDir, 'note.txt')
const OUTSIDE = path.join(tempDir(), 'elsewhere.txt')
writeFileSync(OUTSIDE, 'not allowed\n')

/**
 * The four answers a send tool gives under confirmation, the same for every send tool: `say(text)` is its arguments
 * with that text. The asking client never answers a question that mentions a timeout.
 */
function confirmCases(say: (text: string) => Args): Case[] {
  return [
    { why: 'the client cannot be asked: a preview', on: 'confirming', args: say('confirm: preview'), error: 'confirmation_required' },
    { why: 'a confirmation id that was never issued', on: 'confirming', args: { ...say('confirm: forged'), confirm: 'c-forged' }, error: 'confirmation_invalid' },
    { why: 'the user declines in the client', on: 'asking', args: say('confirm: declined'), error: 'declined' },
    { why: 'the user never answers', on: 'asking', args: say('confirm: timeout'), error: 'confirmation_timeout' },
  ]
}

/** A wait that is still in flight when the next one is asked for (WECHAT_MAX_WAITS=1). */
const HELD_WAIT = Symbol('held wait')

const CASES: Record<string, Array<Case & { hold?: typeof HELD_WAIT }>> = {
  getLoginStatus: [
    { why: 'logged in', on: 'live', args: {} },
    { why: 'waiting for a scan', on: 'waiting', args: {} },
  ],
  findFriend: [
    { why: 'found', on: 'live', args: { nickname: '小明' } },
    { why: 'nothing matches', on: 'live', args: { nickname: 'nobody-at-all' }, error: 'not_found' },
    { why: 'not logged in', on: 'waiting', args: { nickname: '小明' }, error: 'not_logged_in' },
  ],
  findRoom: [
    { why: 'found', on: 'live', args: { topic: 'Twins' } },
    { why: 'nothing matches', on: 'live', args: { topic: 'no-such-group' }, error: 'not_found' },
    { why: 'not logged in', on: 'waiting', args: { topic: 'Family' }, error: 'not_logged_in' },
  ],
  sendMessageToFriend: [
    { why: 'sent', on: 'live', args: { nickname: '老张', message: 'friend: sent' } },
    { why: 'File Transfer by its name', on: 'live', args: { nickname: 'filehelper', message: 'friend: note to self' } },
    { why: 'both nickname and id', on: 'live', args: { nickname: '老张', id: 'c-zhang', message: 'x' }, error: 'invalid_message' },
    { why: 'empty message', on: 'live', args: { nickname: '老张', message: '   ' }, error: 'invalid_message' },
    { why: 'unknown name', on: 'live', args: { nickname: 'Nobody', message: 'friend: unknown' }, error: 'not_found' },
    { why: 'ambiguous name', on: 'live', args: { nickname: '小明', message: 'friend: ambiguous' }, error: 'ambiguous' },
    { why: 'unknown id', on: 'live', args: { id: 'c-gone', message: 'friend: unknown id' }, error: 'unknown_id' },
    { why: 'a room id is no friend id', on: 'live', args: { id: 'r-family@chatroom', message: 'friend: room id' }, error: 'unknown_id' },
    { why: 'not on the allow-list', on: 'live', args: { nickname: 'Bob', message: 'friend: not allowed' }, error: 'not_allowed' },
    { why: 'a friend named filehelper is not File Transfer', on: 'live', args: { id: 'c-fake-helper', message: 'friend: impostor' }, error: 'not_allowed' },
    { why: 'the same text again', on: 'live', args: { nickname: '老张', message: 'friend: sent' }, error: 'repeat' },
    { why: 'not logged in', on: 'waiting', args: { nickname: '老张', message: 'friend: offline' }, error: 'not_logged_in' },
    { why: 'the audit log cannot be written', on: 'unaudited', args: { nickname: '老张', message: 'friend: unaudited' }, error: 'audit_unavailable' },
    { why: 'sent before the queue filled', on: 'paced', args: { nickname: '老张', message: 'paced: goes now' } },
    { why: 'queued, then the server stops', on: 'paced', args: { nickname: '老张', message: 'paced: queued' }, error: 'cancelled' },
    { why: 'the queue is full', on: 'paced', args: { nickname: '老张', message: 'paced: no room' }, error: 'queue_full' },
    ...confirmCases((m) => ({ nickname: '老张', message: m })),
  ],
  sendMessageToRoom: [
    { why: 'sent', on: 'live', args: { topic: 'Family', message: 'room: sent' } },
    { why: 'neither topic nor id', on: 'live', args: { message: 'room: no target' }, error: 'invalid_message' },
    { why: 'unknown topic', on: 'live', args: { topic: 'Fam', message: 'room: partial' }, error: 'not_found' },
    { why: 'ambiguous topic', on: 'live', args: { topic: 'Twins', message: 'room: ambiguous' }, error: 'ambiguous' },
    { why: 'unknown id', on: 'live', args: { id: 'r-gone@chatroom', message: 'room: unknown id' }, error: 'unknown_id' },
    { why: 'not on the allow-list', on: 'live', args: { topic: 'Closed', message: 'room: not allowed' }, error: 'not_allowed' },
    { why: 'the same text again', on: 'live', args: { topic: 'Family', message: 'room: sent' }, error: 'repeat' },
    { why: 'not logged in', on: 'waiting', args: { topic: 'Family', message: 'room: offline' }, error: 'not_logged_in' },
    { why: 'the audit log cannot be written', on: 'unaudited', args: { topic: 'Family', message: 'room: unaudited' }, error: 'audit_unavailable' },
    ...confirmCases((m) => ({ topic: 'Family', message: m })),
  ],
  sendFileToFriend: [
    { why: 'sent', on: 'live', args: { nickname: '老张', path: FILE } },
    { why: 'neither url nor path', on: 'live', args: { nickname: '老张' }, error: 'invalid_message' },
    { why: 'outside WECHAT_FILE_DIRS', on: 'live', args: { nickname: '老张', path: OUTSIDE }, error: 'file_refused' },
    { why: 'a private address', on: 'live', args: { nickname: '老张', url: 'http://127.0.0.1:9/x.png' }, error: 'file_refused' },
    { why: 'ambiguous name', on: 'live', args: { nickname: '小明', path: FILE }, error: 'ambiguous' },
    { why: 'unknown name', on: 'live', args: { nickname: 'Nobody', path: FILE }, error: 'not_found' },
    { why: 'unknown id', on: 'live', args: { id: 'c-gone', path: FILE }, error: 'unknown_id' },
    { why: 'a friend named filehelper is not File Transfer', on: 'live', args: { id: 'c-fake-helper', path: FILE }, error: 'not_allowed' },
    { why: 'the same file again', on: 'live', args: { nickname: '老张', path: FILE }, error: 'repeat' },
    { why: 'an empty caption', on: 'live', args: { nickname: '老张', path: FILE, caption: ' ' }, error: 'invalid_message' },
    { why: 'not logged in', on: 'waiting', args: { nickname: '老张', path: FILE }, error: 'not_logged_in' },
    { why: 'the audit log cannot be written', on: 'unaudited', args: { nickname: '老张', path: FILE }, error: 'audit_unavailable' },
    ...confirmCases((m) => ({ nickname: '老张', path: FILE, caption: m })),
  ],
  sendFileToRoom: [
    { why: 'sent', on: 'live', args: { topic: 'Family', path: FILE } },
    { why: 'both topic and id', on: 'live', args: { topic: 'Family', id: 'r-family@chatroom', path: FILE }, error: 'invalid_message' },
    { why: 'outside WECHAT_FILE_DIRS', on: 'live', args: { topic: 'Family', path: OUTSIDE }, error: 'file_refused' },
    { why: 'ambiguous topic', on: 'live', args: { topic: 'Twins', path: FILE }, error: 'ambiguous' },
    { why: 'unknown topic', on: 'live', args: { topic: 'Nothing', path: FILE }, error: 'not_found' },
    { why: 'unknown id', on: 'live', args: { id: 'r-gone@chatroom', path: FILE }, error: 'unknown_id' },
    { why: 'not on the allow-list', on: 'live', args: { topic: 'Closed', path: FILE }, error: 'not_allowed' },
    { why: 'the same file again', on: 'live', args: { topic: 'Family', path: FILE }, error: 'repeat' },
    { why: 'not logged in', on: 'waiting', args: { topic: 'Family', path: FILE }, error: 'not_logged_in' },
    { why: 'the audit log cannot be written', on: 'unaudited', args: { topic: 'Family', path: FILE }, error: 'audit_unavailable' },
    ...confirmCases((m) => ({ topic: 'Family', path: FILE, caption: m })),
  ],
  listRecentChats: [
    { why: 'chats', on: 'live', args: {} },
    { why: 'not logged in', on: 'waiting', args: {}, error: 'not_logged_in' },
  ],
  getRecentMessages: [
    { why: 'a chat', on: 'live', args: { nickname: '老张' } },
    { why: 'a chat by id', on: 'live', args: { id: 'r-family@chatroom', limit: 5 } },
    { why: 'no chat named', on: 'live', args: {}, error: 'invalid_argument' },
    { why: 'a bad since', on: 'live', args: { nickname: '老张', since: 'yesterday' }, error: 'invalid_argument' },
    { why: 'ambiguous name', on: 'live', args: { nickname: '小明' }, error: 'ambiguous' },
    { why: 'ambiguous topic', on: 'live', args: { topic: 'Twins' }, error: 'ambiguous' },
    { why: 'unknown name', on: 'live', args: { nickname: 'Nobody' }, error: 'not_found' },
    { why: 'unknown id', on: 'live', args: { id: 'c-gone' }, error: 'unknown_id' },
    { why: 'not logged in', on: 'waiting', args: { nickname: '老张' }, error: 'not_logged_in' },
  ],
  waitForReply: [
    { why: 'a reply already there', on: 'live', args: { nickname: '老张', since: '2000-01-01T00:00:00Z', timeoutSeconds: 5 } },
    { why: 'nobody answers in time', on: 'live', args: { nickname: 'Bob', timeoutSeconds: 1 } },
    { why: 'two of nickname, topic, id', on: 'live', args: { nickname: '老张', topic: 'Family' }, error: 'invalid_argument' },
    { why: 'a bad since', on: 'live', args: { nickname: '老张', since: 'soon' }, error: 'invalid_argument' },
    { why: 'ambiguous name', on: 'live', args: { nickname: '小明' }, error: 'ambiguous' },
    { why: 'unknown name', on: 'live', args: { nickname: 'Nobody' }, error: 'not_found' },
    { why: 'unknown id', on: 'live', args: { id: 'c-gone' }, error: 'unknown_id' },
    { why: 'too many waits', on: 'live', args: { nickname: 'Bob', timeoutSeconds: 5 }, error: 'too_many_waits', hold: HELD_WAIT },
    { why: 'not logged in', on: 'waiting', args: { nickname: '老张' }, error: 'not_logged_in' },
  ],
  sendMessageToMe: [
    { why: 'sent to the user in File Transfer', on: 'live', args: { message: 'me: sent' } },
    { why: 'a file, then the message', on: 'live', args: { message: 'me: the note', path: FILE } },
    { why: 'empty message', on: 'live', args: { message: '  ' }, error: 'invalid_message' },
    { why: 'both url and path', on: 'live', args: { message: 'me: two files', url: 'https://example.com/a.png', path: FILE }, error: 'invalid_message' },
    { why: 'outside WECHAT_FILE_DIRS', on: 'live', args: { message: 'me: outside', path: OUTSIDE }, error: 'file_refused' },
    { why: 'the same text again', on: 'live', args: { message: 'me: sent' }, error: 'repeat' },
    { why: 'no road to the user is logged in', on: 'waiting', args: { message: 'me: offline' }, error: 'not_logged_in' },
    { why: 'the audit log cannot be written', on: 'unaudited', args: { message: 'me: unaudited' }, error: 'audit_unavailable' },
    ...confirmCases((m) => ({ message: `me: ${m}` })),
  ],
  waitForMyReply: [
    { why: 'the user\'s answer already there', on: 'live', args: { since: '2000-01-01T00:00:00Z', timeoutSeconds: 5 } },
    { why: 'the user does not answer in time', on: 'live', args: { timeoutSeconds: 1 } },
    { why: 'a bad since', on: 'live', args: { since: 'soon' }, error: 'invalid_argument' },
    { why: 'too many waits', on: 'live', args: { timeoutSeconds: 5 }, error: 'too_many_waits', hold: HELD_WAIT },
    { why: 'no road to the user is logged in', on: 'waiting', args: {}, error: 'not_logged_in' },
  ],
  notify_send: [
    { why: 'delivered into File Transfer', on: 'live', args: { title: 'Build', content: 'green' }, outcome: 'delivered' },
    { why: 'only an unconfigured channel', on: 'live', args: { title: 'Build', content: 'red', channels: ['telegram'] }, outcome: 'all-failed' },
    { why: 'no channel configured', on: 'waiting', args: { title: 'Build', content: 'none' }, outcome: 'none-configured' },
  ],
  notify_event: [
    { why: 'delivered', on: 'live', args: { run_id: 'r1', event: 'end', message: 'done' }, outcome: 'delivered' },
    { why: 'a filtered event type', on: 'live', args: { run_id: 'r1', event: 'update', message: 'halfway' }, outcome: 'skipped' },
    { why: 'no channel configured', on: 'waiting', args: { run_id: 'r1', event: 'end', message: 'done' }, outcome: 'none-configured' },
  ],
}

/**
 * Codes in a schema that no sandbox path reaches, each with where it is proven instead. Anything else in a tool's
 * `error` enum must have a case above.
 */
const SANDBOX_ACCEPTS_ALL = 'the sandbox WeChat accepts every send; test/security/sender.test.ts fails one at WeChat'
const ONE_QUEUE = 'one paced queue serves every send tool: sendMessageToFriend covers a full queue and shutdown cancellation'
const DISK_FAULT = 'needs a full or read-only DATA_DIR: test/security/disk-faults.test.ts answers both text send tools through a client that listed the tools; every send tool shares that output schema'
const FILE_TRANSFER_ALWAYS = 'File Transfer is in every address book and always allowed: the send rule and the allow-lists never refuse it'
const OWNER_ROADS = 'needs the iLink road configured: test/e2e/owner.test.ts (WECHAT_OWNER_ROAD=ilink while it is off) and test/e2e/owner-ilink.test.ts (ClawBot\'s window and budget) answer it through a client that listed the tools'
const UNREACHABLE: Record<string, Record<string, string>> = {
  sendMessageToFriend: { send_failed: SANDBOX_ACCEPTS_ALL, file_refused: 'a text send never loads a file', audit_unavailable: DISK_FAULT },
  sendMessageToRoom: { send_failed: SANDBOX_ACCEPTS_ALL, file_refused: 'a text send never loads a file', queue_full: ONE_QUEUE, cancelled: ONE_QUEUE, audit_unavailable: DISK_FAULT },
  sendFileToFriend: { send_failed: SANDBOX_ACCEPTS_ALL, queue_full: ONE_QUEUE, cancelled: ONE_QUEUE, audit_unavailable: DISK_FAULT },
  sendFileToRoom: { send_failed: SANDBOX_ACCEPTS_ALL, queue_full: ONE_QUEUE, cancelled: ONE_QUEUE, audit_unavailable: DISK_FAULT },
  waitForReply: { cancelled: 'only the client that cancelled could read it, and it stopped listening (test/e2e/conversation.test.ts ends such waits)' },
  sendMessageToMe: {
    not_found: FILE_TRANSFER_ALWAYS,
    ambiguous: FILE_TRANSFER_ALWAYS,
    unknown_id: FILE_TRANSFER_ALWAYS,
    not_allowed: FILE_TRANSFER_ALWAYS,
    road_unavailable: OWNER_ROADS,
    send_failed: SANDBOX_ACCEPTS_ALL,
    queue_full: ONE_QUEUE,
    cancelled: ONE_QUEUE,
  },
  waitForMyReply: {
    road_unavailable: OWNER_ROADS,
    cancelled: 'only the client that cancelled could read it, and it stopped listening (test/e2e/owner.test.ts ends such waits)',
  },
}

const servers = {} as Record<ServerName, RunningServer>
const clients = {} as Record<ServerName, Client>
const listed = new Set<string>()

const base = { WECHAT_FILE_DIRS: fileDir, LOG_LEVEL: 'debug' }

/** Lists the tools: that is what makes the SDK client validate structuredContent against each outputSchema. */
async function listingClient(server: RunningServer): Promise<Client> {
  const client = await connect(server.url, 'streamableHttp')
  const { tools: list } = await client.listTools()
  for (const t of list) if (t.outputSchema) listed.add(t.name)
  return client
}

/** Declares elicitation: declines every question, except one that mentions a timeout, which it never answers. */
async function askingClient(server: RunningServer): Promise<Client> {
  const client = new Client({ name: 'every-answer-asking', version: '1.0.0' }, { capabilities: { elicitation: {} } })
  client.setRequestHandler(ElicitRequestSchema, (request) =>
    /timeout/.test(request.params.message) ? new Promise<ElicitResult>(() => undefined) : Promise.resolve<ElicitResult>({ action: 'decline' }),
  )
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url)))
  const { tools: list } = await client.listTools()
  expect(list.filter((t) => t.outputSchema).length).toBeGreaterThan(0)
  return client
}

// One server at a time: starting a Wechaty is CPU-bound, and the machine may be shared.
beforeAll(async () => {
  servers.live = await startServer({
    ...base,
    WECHAT_MOCK_FIXTURE: writeFixture(fixture),
    WECHAT_ALLOWED_CONTACTS: '老张,filehelper',
    WECHAT_ALLOWED_ROOMS: 'Family,Twins',
    WECHAT_REPEAT_WINDOW_S: '600',
    WECHAT_MAX_WAITS: '1',
    WECHAT_NOTIFY_TO: 'filehelper',
    NOTIFY_EVENTS: 'start,end,error',
  })
  servers.waiting = await startServer({ ...base, WECHAT_MOCK_FIXTURE: writeFixture({ ...fixture, loginDelayMs: 3_600_000 }) }, { waitForLogin: false })
  servers.confirming = servers.asking = await startServer({
    ...base,
    WECHAT_MOCK_FIXTURE: writeFixture(fixture),
    WECHAT_CONFIRM_SENDS: 'all',
    WECHAT_CONFIRM_VIA: 'client',
    WECHAT_CONFIRM_TIMEOUT_S: '1',
  })
  clients.confirming = await listingClient(servers.confirming)
  clients.asking = await askingClient(servers.asking)
  clients.live = await listingClient(servers.live)
  clients.waiting = await listingClient(servers.waiting)
  const res = await inbound(servers.live, { from: '张三', text: 'hi from Zhang' })
  expect(res.status).toBe(200)
  // The user typing in File Transfer on their phone: the answer waitForMyReply finds.
  expect((await inbound(servers.live, { from: 'me', text: 'hi from the user' })).status).toBe(200)
}, 120_000)

afterAll(async () => {
  await Promise.all(Object.values(clients).map((c) => c.close().catch(() => undefined)))
  await Promise.all([...new Set(Object.values(servers))].map((s) => s.stop()))
})

/** Calls like a model's client: any -32602 (a result that breaks its schema) rejects here and fails the case. */
async function callAs(client: Client, name: string, args: Args): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

function check(tool: string, c: Case, result: CallToolResult): void {
  const where = `${tool} (${c.why})`
  const structured = result.structuredContent as Record<string, unknown> | undefined
  expect(structured, `${where}: every answer carries structuredContent`).toBeDefined()
  if (c.outcome !== undefined) {
    expect(structured!.outcome, where).toBe(c.outcome)
    expect(Boolean(result.isError), where).toBe(c.outcome === 'all-failed' || c.outcome === 'none-configured')
    return
  }
  expect(Boolean(result.isError), `${where}: ${JSON.stringify(result.content)}`).toBe(c.error !== undefined)
  expect(structured!.error, where).toBe(c.error)
}

describe('every tool has cases', () => {
  it('for every tool in the list and every error code in its schema', () => {
    expect(Object.keys(CASES).sort()).toEqual(tools.map((t) => t.name).sort())
    for (const t of tools) {
      const codes = t.outputSchema.error ? (t.outputSchema.error as unknown as z.ZodOptional<z.ZodEnum>).unwrap().options : []
      const covered = new Set(CASES[t.name].map((c) => c.error).filter(Boolean))
      const missing = codes.filter((code) => !covered.has(String(code)) && !(String(code) in (UNREACHABLE[t.name] ?? {})))
      expect(missing, `${t.name}: error codes without a case`).toEqual([])
    }
  })

  it('and the client listed every tool with an output schema', () => {
    expect([...listed.keys()].sort()).toEqual(tools.map((t) => t.name).sort())
  })
})

describe.each(Object.entries(CASES))('%s', (tool, cases) => {
  it.each(cases.filter((c) => c.on === 'live' || c.on === 'waiting' || c.on === 'confirming' || c.on === 'asking').map((c) => [c.why, c] as const))('%s', async (_why, c) => {
    const client = clients[c.on]
    let held: Promise<unknown> | undefined
    const stop = new AbortController()
    if (c.hold === HELD_WAIT) {
      const started = servers.live.waitForLog((l) => l.msg === 'reply wait started' && l.waiting === 1)
      held = client.callTool({ name: 'waitForReply', arguments: { nickname: '老张', timeoutSeconds: 60 } }, undefined, { signal: stop.signal }).catch(() => 'aborted')
      await started
    }
    try {
      const result = await callAs(client, tool, c.args)
      check(tool, c, result)
      // The client validated it against the listed JSON Schema; the zod schema it came from agrees.
      const def = tools.find((t) => t.name === tool)!
      expect(z.object(def.outputSchema).safeParse(result.structuredContent).error).toBeUndefined()
    } finally {
      stop.abort()
      await held
    }
  })
})

describe('sends answered while the paced queue is full and the server stops', () => {
  it('sent, queue_full and cancelled each match the schema', async () => {
    servers.paced = await startServer({ ...base, WECHAT_MOCK_FIXTURE: writeFixture(fixture), WECHAT_SEND_MIN_INTERVAL_MS: '600000', WECHAT_SEND_QUEUE_MAX: '1' })
    const client = (clients.paced = await listingClient(servers.paced))
    const paced = CASES.sendMessageToFriend.filter((c) => c.on === 'paced')
    const [now, queued, full] = paced
    check('sendMessageToFriend', now, await callAs(client, 'sendMessageToFriend', now.args))
    const waiting = servers.paced.waitForLog((l) => l.msg === 'WeChat send queued behind pacing')
    const queuedAnswer = callAs(client, 'sendMessageToFriend', queued.args)
    await waiting
    check('sendMessageToFriend', full, await callAs(client, 'sendMessageToFriend', full.args))
    const exited = servers.paced.stop('SIGTERM')
    check('sendMessageToFriend', queued, await queuedAnswer)
    expect(await exited).toBe(0)
  }, 90_000)
})

describe('sends while the audit log cannot be written', () => {
  it('each send tool answers audit_unavailable, matching its schema', async () => {
    // A directory where the log file was: every append fails (EISDIR) until it is a file again.
    const log = path.join(servers.live.dataDir, 'audit.jsonl')
    rmSync(log, { force: true })
    mkdirSync(log)
    for (const [tool, cases] of Object.entries(CASES)) {
      for (const c of cases.filter((x) => x.on === 'unaudited')) check(tool, c, await callAs(clients.live, tool, c.args))
    }
  })
})

describe('READ_ONLY=true', () => {
  it('hides the send tools, answers a call to one with a clear error, and every read tool still matches its schema', async () => {
    const server = await startServer({ READ_ONLY: 'true', WECHAT_MOCK_FIXTURE: writeFixture(fixture) })
    const client = await connect(server.url, 'streamableHttp')
    try {
      const visible = new Set((await client.listTools()).tools.map((t) => t.name))
      for (const t of tools) {
        if (!t.annotations.readOnlyHint) {
          expect(visible.has(t.name), t.name).toBe(false)
          const refused = await callAs(client, t.name, { nickname: '老张', message: 'x', path: FILE })
          expect(refused.isError, t.name).toBe(true)
          expect(JSON.stringify(refused.content)).toContain(`Tool ${t.name} not found`)
          continue
        }
        // The last answer and the first refusal of each read tool (the last: waitForReply's is a 1 s timeout).
        for (const c of [CASES[t.name].filter((x) => x.on === 'live' && !x.error).at(-1), CASES[t.name].find((x) => x.on === 'live' && x.error)]) {
          if (c && !c.hold) check(t.name, c, await callAs(client, t.name, c.args))
        }
      }
    } finally {
      await client.close()
      await server.stop()
    }
  }, 90_000)
})
