/**
 * WECHAT_CONFIRM_SENDS end to end, against the running sandbox: a person approves each send, asked in the client
 * (elicitation), on the owner's phone (ClawBot, against the fake iLink server), or, when nobody can be asked, through
 * a preview whose one-time id sends exactly what was previewed. Each case checks what the tool answered, what
 * reached the mock WeChat (the chat read back with getRecentMessages) and what the audit log says.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { askingClient, call, listingClient, ownMessages, structured, text, type ElicitAnswer } from '../helpers/clients.js'
import { confirmRig, lastAudit } from '../helpers/confirm.js'
import { inbound, nextLog } from '../helpers/conversation.js'
import { FakeIlink } from '../helpers/fake-ilink.js'
import { startServer, writeFixture, type RunningServer } from '../helpers/server.js'

const FIXTURE = {
  self: { name: 'Me' },
  contacts: [
    { id: 'c-zhang', name: '张三', alias: '老张' },
    { id: 'c-li', name: '李四' },
    { id: 'c-bob', name: 'Bob' },
  ],
  rooms: [{ id: 'r-family@chatroom', topic: 'Family', members: ['c-zhang', 'c-li'] }],
}
const ALLOWED = { WECHAT_ALLOWED_CONTACTS: '老张,李四,filehelper', WECHAT_ALLOWED_ROOMS: 'Family' }

const fileDir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-confirm-'))
const FILE = path.join(fileDir, 'plan.txt')
writeFileSync(FILE, 'the plan\n')

type Answer = ElicitAnswer

const transcripts: string[] = []
function transcript(title: string, lines: string[]): void {
  transcripts.push(`## ${title}\n${lines.join('\n')}`)
}

describe('confirmation in the client and by preview (WECHAT_CONFIRM_SENDS=others, WECHAT_CONFIRM_VIA=client)', () => {
  const answer: { current: Answer } = { current: async () => ({ action: 'accept', content: {} }) }
  const rig = confirmRig({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), WECHAT_CONFIRM_SENDS: 'others', WECHAT_CONFIRM_VIA: 'client', WECHAT_FILE_DIRS: fileDir, ...ALLOWED }, answer)

  it('asks the person, and sends only on accept', async () => {
    answer.current = async () => ({ action: 'accept', content: {} })
    const r = await call(rig.asking.client, 'sendMessageToFriend', { nickname: '老张', message: 'client: see you at 6' })
    expect(r.isError).toBeFalsy()
    expect(structured(r)).toMatchObject({ sent: true, confirmedBy: 'client', target: { id: 'c-zhang' } })
    expect(rig.asking.questions.at(-1)).toBe('Send to "张三" (remark "老张", friend, id "c-zhang"):\n«client: see you at 6»\n\nSend it?')
    expect(await ownMessages(rig.plain, { id: 'c-zhang' })).toContain('client: see you at 6')
    expect(lastAudit(rig.server, 'client: see you at 6')).toMatchObject({ ok: true, confirmed_by: 'client' })
    transcript('client accepts', [`question: ${rig.asking.questions.at(-1)}`, `answer: accept`, `tool: ${text(r)}`, `audit: ${JSON.stringify(lastAudit(rig.server, 'client: see you at 6'))}`])
  })

  it('shows a file by name and size, and sends it with its caption on accept', async () => {
    const r = await call(rig.asking.client, 'sendFileToRoom', { topic: 'Family', path: FILE, caption: 'client: the plan' })
    expect(structured(r)).toMatchObject({ sent: true, confirmedBy: 'client' })
    expect(rig.asking.questions.at(-1)).toContain('the file "plan.txt" (9 bytes)\nthen the caption:\n«client: the plan»')
    expect(await ownMessages(rig.plain, { id: 'r-family@chatroom' })).toEqual(expect.arrayContaining(['client: the plan']))
    expect(lastAudit(rig.server, 'client: the plan')).toMatchObject({ ok: true, confirmed_by: 'client' })
    expect(rig.server.auditLines().find((l) => l.file === 'plan.txt')).toMatchObject({ ok: true, confirmed_by: 'client' })
  })

  it.each([
    ['decline', { action: 'decline' } as ElicitResult, /the user declined it/],
    ['cancel', { action: 'cancel' } as ElicitResult, /dismissed the question/],
  ])('sends nothing on %s', async (action, result, says) => {
    answer.current = async () => result
    const message = `client: ${action} me`
    const r = await call(rig.asking.client, 'sendMessageToFriend', { nickname: '老张', message })
    expect(r.isError).toBe(true)
    expect(structured(r)).toMatchObject({ sent: false, error: 'declined' })
    expect(text(r)).toMatch(says)
    expect(await ownMessages(rig.plain, { id: 'c-zhang' })).not.toContain(message)
    expect(lastAudit(rig.server, message)).toMatchObject({ ok: false, confirmation: 'declined', asked: 'client' })
    if (action === 'decline') transcript('client declines', [`answer: decline`, `tool: ${text(r)}`, `audit: ${JSON.stringify(lastAudit(rig.server, message))}`])
  })

  it('asks nobody for File Transfer under `others`', async () => {
    const before = rig.asking.questions.length
    const r = await call(rig.asking.client, 'sendMessageToFriend', { id: 'filehelper', message: 'client: note to self' })
    expect(structured(r)).toMatchObject({ sent: true })
    expect(structured(r).confirmedBy).toBeUndefined()
    expect(rig.asking.questions.length).toBe(before)
  })

  it('refuses by the allow-list before anyone is asked', async () => {
    const before = rig.asking.questions.length
    const r = await call(rig.asking.client, 'sendMessageToFriend', { nickname: 'Bob', message: 'client: not allowed' })
    expect(structured(r)).toMatchObject({ sent: false, error: 'not_allowed' })
    expect(rig.asking.questions.length).toBe(before)
  })

  it('applies the repeat rule after the approval', async () => {
    answer.current = async () => ({ action: 'accept', content: {} })
    // The repeat window is 0 in tests; a server with one would refuse the second of two identical approved sends.
    const r = await call(rig.asking.client, 'sendMessageToFriend', { nickname: '李四', message: 'client: twice' })
    expect(structured(r)).toMatchObject({ sent: true, confirmedBy: 'client' })
  })

  it('sends nothing when the session closes mid-question', async () => {
    const gone: { current: Answer } = { current: async () => new Promise<ElicitResult>(() => undefined) }
    const leaving = await askingClient(rig.server.url, 'sse', gone)
    const asked = new Promise<void>((resolve) => {
      gone.current = () => {
        resolve()
        return new Promise<ElicitResult>(() => undefined)
      }
    })
    const message = 'client: closed mid-question'
    const pending = call(leaving.client, 'sendMessageToFriend', { nickname: '老张', message }).catch((err: Error) => err)
    await asked
    await leaving.client.close()
    await pending
    await vi.waitFor(() => expect(lastAudit(rig.server, message)).toMatchObject({ ok: false, confirmation: 'declined', asked: 'client' }), { timeout: 20_000, interval: 50 })
    expect(String(lastAudit(rig.server, message)!.error)).toMatch(/the session closed/)
    expect(await ownMessages(rig.plain, { id: 'c-zhang' })).not.toContain(message)
  })

  describe('a client that cannot be asked gets a preview', () => {
    async function preview(client: Client, args: Record<string, unknown>): Promise<{ id: string; result: CallToolResult }> {
      const result = await call(client, 'sendMessageToFriend', args)
      expect(result.isError).toBe(true)
      expect(structured(result)).toMatchObject({ sent: false, error: 'confirmation_required', target: { id: 'c-zhang' } })
      return { id: structured(result).confirmation.id as string, result }
    }

    it('previews, then sends exactly that with the id', async () => {
      const message = 'preview: dinner at 7?'
      const { id, result } = await preview(rig.plain, { nickname: '老张', message })
      expect(text(result)).toContain('«preview: dinner at 7?»')
      expect(Date.parse(structured(result).confirmation.expiresAt) - Date.now()).toBeGreaterThan(60_000)
      expect(await ownMessages(rig.plain, { id: 'c-zhang' })).not.toContain(message)
      expect(lastAudit(rig.server, message)).toMatchObject({ ok: false, confirmation: 'confirmation_required' })
      const auditPreview = JSON.stringify(lastAudit(rig.server, message))
      const sent = await call(rig.plain, 'sendMessageToFriend', { id: 'c-zhang', message, confirm: id })
      expect(structured(sent)).toMatchObject({ sent: true, confirmedBy: 'preview' })
      expect(await ownMessages(rig.plain, { id: 'c-zhang' })).toContain(message)
      expect(lastAudit(rig.server, message)).toMatchObject({ ok: true, confirmed_by: 'preview' })
      transcript('preview, then confirm', [`first call: ${text(result)}`, `structured: ${JSON.stringify(structured(result))}`, `audit: ${auditPreview}`, `second call (confirm: id): ${text(sent)}`, `audit: ${JSON.stringify(lastAudit(rig.server, message))}`])
    })

    it('previews a file and sends it with the id', async () => {
      const first = await call(rig.plain, 'sendFileToFriend', { nickname: '老张', path: FILE })
      expect(structured(first)).toMatchObject({ error: 'confirmation_required', file: { name: 'plan.txt', size: 9 } })
      const sent = await call(rig.plain, 'sendFileToFriend', { nickname: '老张', path: FILE, confirm: structured(first).confirmation.id })
      expect(structured(sent)).toMatchObject({ sent: true, confirmedBy: 'preview' })
      expect(await ownMessages(rig.plain, { id: 'c-zhang' })).toContain('[file plan.txt]')
    })

    it.each([
      ['a changed text', (id: string) => ({ nickname: '老张', message: 'tamper: changed!', confirm: id }), /text or file differs/, true],
      ['another recipient', (id: string) => ({ nickname: '李四', message: 'tamper: original', confirm: id }), /another recipient/, true],
      ['a made-up id', () => ({ nickname: '老张', message: 'tamper: original', confirm: 'c-notissued' }), /never issued/, false],
    ])('refuses %s', async (_what, args, says, spends) => {
      const { id } = await preview(rig.plain, { nickname: '老张', message: 'tamper: original' })
      const r = await call(rig.plain, 'sendMessageToFriend', args(id))
      expect(structured(r)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
      expect(text(r)).toMatch(says)
      expect(rig.server.auditLines().at(-1)).toMatchObject({ ok: false, confirmation: 'confirmation_invalid' })
      expect(await ownMessages(rig.plain, { id: 'c-zhang' })).not.toEqual(expect.arrayContaining(['tamper: changed!']))
      if (!spends) return
      // Spent by the tampered try: the genuine send cannot follow with the same id.
      const after = await call(rig.plain, 'sendMessageToFriend', { nickname: '老张', message: 'tamper: original', confirm: id })
      expect(structured(after)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
      expect(await ownMessages(rig.plain, { id: 'c-zhang' })).not.toEqual(expect.arrayContaining(['tamper: original']))
    })

    it('refuses an id from another session, and a reused one', async () => {
      const first = await preview(rig.plain, { nickname: '老张', message: 'tamper: session' })
      const r = await call(rig.other, 'sendMessageToFriend', { nickname: '老张', message: 'tamper: session', confirm: first.id })
      expect(structured(r)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
      expect(text(r)).toMatch(/another MCP session/)

      const second = await preview(rig.plain, { nickname: '老张', message: 'tamper: reuse' })
      expect(structured(await call(rig.plain, 'sendMessageToFriend', { nickname: '老张', message: 'tamper: reuse', confirm: second.id }))).toMatchObject({ sent: true })
      const again = await call(rig.plain, 'sendMessageToFriend', { nickname: '老张', message: 'tamper: reuse', confirm: second.id })
      expect(structured(again)).toMatchObject({ sent: false, error: 'confirmation_invalid' })
      expect(text(again)).toMatch(/used already/)
      const sent = await ownMessages(rig.plain, { id: 'c-zhang' })
      expect(sent.filter((t) => t === 'tamper: reuse')).toHaveLength(1)
      expect(sent).not.toContain('tamper: session')
    })
  })
})

describe('confirmation on the owner’s phone (WECHAT_CONFIRM_SENDS=all, WECHAT_CONFIRM_VIA=auto, ClawBot up)', () => {
  let fake: FakeIlink
  let server: RunningServer
  let plain: Client

  beforeAll(async () => {
    fake = await FakeIlink.start()
    server = await startServer({
      WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE),
      ILINK_ENABLED: 'true',
      ILINK_BASE_URL: fake.url,
      ILINK_CDN_URL: fake.cdnUrl,
      WECHAT_CONFIRM_SENDS: 'all',
      WECHAT_CONFIRM_TIMEOUT_S: '20',
      ...ALLOWED,
    })
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'waiting_for_scan')
    fake.scan()
    fake.confirm()
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'logged_in')
    // ClawBot may write to the owner only after the owner wrote to it.
    fake.ownerSays('hello ClawBot')
    await fake.waitForRequest('/ilink/bot/getupdates', (r) => r.body.get_updates_buf === 'buf-1')
    plain = await listingClient(server.url)
  }, 60_000)

  afterAll(async () => {
    await plain?.close().catch(() => undefined)
    await server?.stop()
    expect(fake.violations).toEqual([])
    await fake.close()
  })

  /** The next question ClawBot puts to the owner, and its code. */
  async function nextQuestion(after: number): Promise<{ text: string; code: string }> {
    const request = await fake.waitForRequest('/ilink/bot/sendmessage', (r) => JSON.stringify(r.body).includes('Reply \\"ok '), after)
    const item = ((request.body.msg as { item_list: Array<{ text_item: { text: string } }> }).item_list[0]).text_item.text
    return { text: item, code: /Reply "ok ([a-z0-9]{4})"/.exec(item)![1] }
  }

  /** The owner writes, and the road has taken it in (it polls again only once it has). */
  async function ownerSays(text: string): Promise<void> {
    const after = fake.requests.length
    fake.ownerSays(text)
    await fake.waitForRequest('/ilink/bot/getupdates', () => true, after)
  }

  it('sends on "ok <code>", ignoring a wrong code first', async () => {
    const message = 'owner: the report is ready'
    const mark = fake.requests.length
    const pending = call(plain, 'sendMessageToFriend', { nickname: '老张', message })
    const question = await nextQuestion(mark)
    expect(question.text).toBe(`🔐 Send to "张三" (remark "老张", friend, id "c-zhang"):\n«${message}»\nReply "ok ${question.code}" to send it or "no ${question.code}" to stop (also 是/否). Nothing goes out without your answer; it expires in 20 s.`)
    await ownerSays('ok zzzz')
    await ownerSays(`ok ${question.code}`)
    const r = await pending
    expect(structured(r)).toMatchObject({ sent: true, confirmedBy: 'owner' })
    expect(await ownMessages(plain, { id: 'c-zhang' })).toContain(message)
    expect(lastAudit(server, message)).toMatchObject({ ok: true, confirmed_by: 'owner' })
    // The answer is consumed; a wrong code is an ordinary message and stays in the owner's chat.
    const mine = (structured(await call(plain, 'getRecentMessages', { id: 'me' })).messages as Array<{ text?: string }>).map((m) => m.text)
    expect(mine).toContain('ok zzzz')
    expect(mine).not.toContain(`ok ${question.code}`)
    transcript('owner approves on the phone', [`ClawBot → owner: ${question.text}`, `owner → ClawBot: ok zzzz   (wrong code: ignored)`, `owner → ClawBot: ok ${question.code}`, `tool: ${text(r)}`, `audit: ${JSON.stringify(lastAudit(server, message))}`])
  })

  it('sends nothing on "no <code>", and a code from another request decides nothing', async () => {
    const first = 'owner: first request'
    let mark = fake.requests.length
    const firstCall = call(plain, 'sendMessageToRoom', { topic: 'Family', message: first })
    const q1 = await nextQuestion(mark)
    await ownerSays(`是 ${q1.code}`)
    expect(structured(await firstCall)).toMatchObject({ sent: true, confirmedBy: 'owner' })

    const second = 'owner: second request'
    mark = fake.requests.length
    const secondCall = call(plain, 'sendMessageToRoom', { topic: 'Family', message: second })
    const q2 = await nextQuestion(mark)
    expect(q2.code).not.toBe(q1.code)
    await ownerSays(`ok ${q1.code}`)
    await ownerSays(`no ${q2.code}`)
    const r = await secondCall
    expect(structured(r)).toMatchObject({ sent: false, error: 'declined' })
    expect(text(r)).toMatch(/declined it on their phone/)
    const sent = await ownMessages(plain, { id: 'r-family@chatroom' })
    expect(sent).toContain(first)
    expect(sent).not.toContain(second)
    expect(lastAudit(server, second)).toMatchObject({ ok: false, confirmation: 'declined', asked: 'owner' })
    transcript('owner declines on the phone', [`ClawBot → owner: ${q2.text}`, `owner → ClawBot: ok ${q1.code}   (an earlier request's code: ignored)`, `owner → ClawBot: no ${q2.code}`, `tool: ${text(r)}`, `audit: ${JSON.stringify(lastAudit(server, second))}`])
  })

  it('times out on silence, on the phone and in a client that never answers', async () => {
    const silent = 'owner: nobody answers'
    const unanswered = 'client: nobody answers'
    const asking = await askingClient(server.url, 'streamableHttp', { current: () => new Promise<ElicitResult>(() => undefined) })
    try {
      const mark = fake.requests.length
      const [phone, screen] = await Promise.all([
        call(plain, 'sendMessageToFriend', { nickname: '李四', message: silent }),
        call(asking.client, 'sendMessageToFriend', { nickname: '李四', message: unanswered }),
        nextQuestion(mark),
      ])
      expect(structured(phone)).toMatchObject({ sent: false, error: 'confirmation_timeout' })
      expect(text(phone)).toMatch(/did not answer on their phone within 20 s/)
      expect(structured(screen)).toMatchObject({ sent: false, error: 'confirmation_timeout' })
      expect(asking.questions).toHaveLength(1)
      const sent = await ownMessages(plain, { id: 'c-li' })
      expect(sent).not.toContain(silent)
      expect(sent).not.toContain(unanswered)
      expect(lastAudit(server, silent)).toMatchObject({ ok: false, confirmation: 'confirmation_timeout', asked: 'owner' })
      expect(lastAudit(server, unanswered)).toMatchObject({ ok: false, confirmation: 'confirmation_timeout', asked: 'client' })
      transcript('nobody answers', [`tool: ${text(phone)}`, `audit: ${JSON.stringify(lastAudit(server, silent))}`])
    } finally {
      await asking.client.close()
    }
  }, 60_000)

  it('asks the owner about sendMessageToMe too under `all`, and sends it through ClawBot on "ok <code>"', async () => {
    const message = 'me: approved on the phone'
    await ownerSays('still here')
    const mark = fake.requests.length
    const pending = call(plain, 'sendMessageToMe', { message })
    const question = await nextQuestion(mark)
    expect(question.text).toContain(`🔐 Send to "Me (the user)" (yourself, id "me"):\n«${message}»\nReply "ok ${question.code}"`)
    await ownerSays(`ok ${question.code}`)
    const r = await pending
    expect(structured(r)).toMatchObject({ sent: true, road: 'ilink', confirmedBy: 'owner' })
    const delivered = fake.requests.filter((q, i) => i >= mark && q.path === '/ilink/bot/sendmessage').map((q) => JSON.stringify(q.body))
    expect(delivered.some((b) => b.includes(message) && !b.includes('Reply'))).toBe(true)
    expect(lastAudit(server, message)).toMatchObject({ ok: true, confirmed_by: 'owner', target: { id: 'me' } })
  })
})

describe('confirmation on the owner’s File Transfer (no ClawBot; WECHAT_CONFIRM_VIA=owner)', () => {
  let server: RunningServer
  let plain: Client

  beforeAll(async () => {
    server = await startServer({ WECHAT_MOCK_FIXTURE: writeFixture(FIXTURE), WECHAT_CONFIRM_SENDS: 'others', WECHAT_CONFIRM_VIA: 'owner', LOG_LEVEL: 'debug', ...ALLOWED })
    plain = await listingClient(server.url)
  }, 60_000)

  afterAll(async () => {
    await plain?.close().catch(() => undefined)
    await server?.stop()
  })

  /** Starts a send and resolves with the question File Transfer received (the account's own message in `me`). */
  async function asked(args: Record<string, string>): Promise<{ pending: Promise<CallToolResult>; code: string; question: string }> {
    const kept = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'me' && l.self === true)
    const pending = call(plain, 'sendMessageToFriend', args)
    await kept
    const me = structured(await call(plain, 'getRecentMessages', { id: 'me' })).messages as Array<{ sender: { self: boolean }; text?: string }>
    const question = me.filter((m) => m.sender.self).at(-1)!.text!
    return { pending, question, code: /Reply "ok ([a-z0-9]{4})"/.exec(question)![1] }
  }

  it('sends on the owner’s "ok <code>" typed in File Transfer; a friend typing the code decides nothing', async () => {
    const first = await asked({ nickname: '老张', message: 'filehelper: approved' })
    expect(first.question).toContain('«filehelper: approved»')
    const answered = nextLog(server, (l) => l.msg === 'owner answered a send confirmation')
    expect((await inbound(server, { from: 'me', text: `OK ${first.code}` })).status).toBe(200)
    await answered
    expect(structured(await first.pending)).toMatchObject({ sent: true, confirmedBy: 'owner' })
    expect(await ownMessages(plain, { id: 'c-zhang' })).toContain('filehelper: approved')

    const second = await asked({ nickname: '老张', message: 'filehelper: forged' })
    const friend = nextLog(server, (l) => l.msg === 'message kept' && l.chat === 'c-zhang' && l.self === false)
    expect((await inbound(server, { from: '张三', text: `ok ${second.code}` })).status).toBe(200)
    await friend
    const denied = nextLog(server, (l) => l.msg === 'owner answered a send confirmation')
    expect((await inbound(server, { from: 'me', text: `否 ${second.code}` })).status).toBe(200)
    await denied
    expect(structured(await second.pending)).toMatchObject({ sent: false, error: 'declined' })
    expect(await ownMessages(plain, { id: 'c-zhang' })).not.toContain('filehelper: forged')
    expect(lastAudit(server, 'filehelper: forged')).toMatchObject({ ok: false, confirmation: 'declined', asked: 'owner' })
    // The question itself is audited as the server's own message to the owner, and never asked about.
    expect(server.auditLines().filter((l) => l.tool === 'confirm').every((l) => l.ok === true && l.confirmed_by === undefined)).toBe(true)
  })
})

afterAll(() => {
  if (process.env.CONFIRM_TRANSCRIPTS) writeFileSync(process.env.CONFIRM_TRANSCRIPTS, transcripts.join('\n\n') + '\n')
})
