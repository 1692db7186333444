/**
 * The owner conversation's two decisions, table-driven: which road carries it (WECHAT_OWNER_ROAD and what is logged
 * in), and which File Transfer messages are the agent's own echo rather than the owner typing on their phone.
 */
import { describe, expect, it } from 'vitest'
import { OwnerConversation, type IlinkOwnerPort } from '../../src/owner/owner-conversation.js'
import type { OwnerRoadSetting } from '../../src/owner/owner-road.js'
import { ECHO_TTL_MS, FileHelperEchoes, ownerView } from '../../src/owner/filehelper-echo.js'
import type { InboxMessage } from '../../src/wechat/inbox.js'
import { sendText } from '../../src/wechat/send-text.js'

describe('which road carries the owner conversation', () => {
  /** Roads where the web road and (when given) the iLink road are logged in or not. */
  const roads = (web: boolean, ilink: boolean | undefined) => ({
    has: (id: string) => id === 'web' || ilink !== undefined,
    isLoggedIn: (id: string) => (id === 'web' ? web : ilink === true),
    hint: (id: string) => (id === 'web' ? 'Scan at /login.' : 'Bind ClawBot at /login.'),
  })
  const ilinkPort: IlinkOwnerPort = { canSend: () => ({ ok: true }), send: async () => ({ ok: true, sentAt: '' }) }
  const cases: Array<[string, OwnerRoadSetting, boolean, boolean | undefined, string | RegExp]> = [
    ['auto, web only', 'auto', true, undefined, 'filehelper'],
    ['auto, iLink logged in wins', 'auto', true, true, 'ilink'],
    ['auto, iLink not logged in falls back to File Transfer', 'auto', true, false, 'filehelper'],
    ['auto, nothing logged in', 'auto', false, false, /neither WeChat nor ClawBot.*Scan at \/login.*Bind ClawBot/],
    ['auto, web logged out, no iLink', 'auto', false, undefined, /WeChat is not logged in\. Scan at \/login/],
    ['ilink pinned but off', 'ilink', true, undefined, /ILINK_ENABLED=true.*WECHAT_OWNER_ROAD=auto/],
    ['ilink pinned, not logged in, never File Transfer', 'ilink', true, false, /not logged in.*Bind ClawBot/],
    ['ilink pinned and logged in', 'ilink', true, true, 'ilink'],
    ['filehelper pinned ignores iLink', 'filehelper', true, true, 'filehelper'],
    ['filehelper pinned, web logged out', 'filehelper', false, true, /WeChat is not logged in/],
  ]
  it.each(cases)('%s', (_name, setting, webIn, ilinkIn, expected) => {
    const owner = new OwnerConversation({ setting, roads: roads(webIn, ilinkIn), sender: undefined as never, ...(ilinkIn === undefined ? {} : { ilink: ilinkPort }) })
    const choice = owner.road()
    if (typeof expected === 'string') expect(choice).toEqual({ ok: true, road: expected })
    else {
      expect(choice.ok).toBe(false)
      expect(!choice.ok && choice.detail).toMatch(expected)
    }
  })
})

describe('on the iLink road', () => {
  const loggedIn = { has: () => true, isLoggedIn: () => true, hint: () => '' }
  /** A sender that only refuses (and remembers what it refused), and an iLink port that records what it sent. */
  function setup(canSend: ReturnType<IlinkOwnerPort['canSend']>) {
    const refused: Array<{ text: string; code: string; detail: string }> = []
    const sent: Array<{ tool: string; content: unknown }> = []
    const sender = {
      checkText: (t: string) => (t.trim() ? undefined : 'the message is empty.'),
      refuse: async (request: { text: string }, detail: string, code: string) => (refused.push({ text: request.text, code, detail }), { ok: false, code, detail }),
      send: async () => {
        throw new Error('the web sender must not be used on the iLink road')
      },
    }
    const ilink: IlinkOwnerPort = {
      canSend: () => canSend,
      send: async (tool, content) => (sent.push({ tool, content }), { ok: true, sentAt: '2026-12-02T00:00:00.000Z' }),
    }
    const owner = new OwnerConversation({ setting: 'auto', roads: loggedIn, sender: sender as never, ilink })
    return { owner, refused, sent }
  }

  it('sends text through the iLink outbox, not the web sender', async () => {
    const { owner, sent } = setup({ ok: true })
    const result = await owner.sendText('sendMessageToMe', 'done')
    expect(result).toMatchObject({ ok: true, road: 'ilink', sentAt: '2026-12-02T00:00:00.000Z' })
    expect(sent).toEqual([{ tool: 'sendMessageToMe', content: { kind: 'text', text: 'done' } }])
  })

  it('refuses a file outside the window before downloading it, with what to do, audited', async () => {
    const { owner, refused, sent } = setup({ ok: false, code: 'window_closed', detail: 'The owner has not written for 24 hours: send any message to ClawBot in WeChat, then retry.' })
    let loads = 0
    const result = await owner.sendFile('sendMessageToMe', { source: 'x.png', caption: 'the chart', load: async () => (loads++, { ok: false, code: 'file_refused', detail: 'never' }) })
    expect(result).toMatchObject({ ok: false, code: 'road_unavailable' })
    expect(sendText(result)).toBe('Not sent: The owner has not written for 24 hours: send any message to ClawBot in WeChat, then retry.')
    expect(loads).toBe(0)
    expect(sent).toEqual([])
    expect(refused).toEqual([expect.objectContaining({ text: 'the chart', code: 'road_unavailable' })])
  })
})

describe('File Transfer echoes', () => {
  const text = (t: string) => ({ type: 'text' as const, text: t })
  const echoCases: Array<[string, string, string, boolean]> = [
    ['the same text', 'Deploy now?', 'Deploy now?', true],
    ['HTML entities wechat4u leaves in', 'a & b <c>', 'a &amp; b &lt;c&gt;', true],
    ['line breaks as <br/>', 'line one\nline two', 'line one<br/>line two', true],
    ['whitespace and normalisation form', '  Ｄeploy   now? ', 'Deploy now?', true],
    ['emoji markup around the same words', 'Done 😀 ok', 'Done <span class="emoji emoji1f600"></span> ok', true],
    ['a different text', 'Deploy now?', 'yes', false],
    ['a text that only starts the same', 'Deploy now?', 'Deploy now? yes', false],
  ]
  it.each(echoCases)('%s', (_name, sent, seen, echo) => {
    const echoes = new FileHelperEchoes()
    echoes.expect(sent)
    expect(echoes.isEcho(text(seen))).toBe(echo)
  })

  it('uses a note once: the owner repeating the agent\'s words is the owner', () => {
    const echoes = new FileHelperEchoes()
    echoes.expect('ok')
    expect(echoes.isEcho(text('ok'))).toBe(true)
    expect(echoes.isEcho(text('ok'))).toBe(false)
  })

  it('forgets a send whose echo never came', () => {
    let now = 1_000_000
    const echoes = new FileHelperEchoes(() => now)
    echoes.expect('ok')
    now += ECHO_TTL_MS + 1
    expect(echoes.pending).toBe(0)
    expect(echoes.isEcho(text('ok'))).toBe(false)
  })

  it('matches files by name, and an unnamed image to the oldest file sent', () => {
    const echoes = new FileHelperEchoes()
    echoes.expect({ name: 'a.pdf' })
    echoes.expect({ name: 'b.png' })
    expect(echoes.isEcho({ type: 'file', fileName: 'b.png' })).toBe(true)
    expect(echoes.isEcho({ type: 'image' })).toBe(true)
    expect(echoes.isEcho({ type: 'image' })).toBe(false)
    // A text note is not used up by a file.
    echoes.expect('caption')
    expect(echoes.isEcho({ type: 'file', fileName: 'x.pdf' })).toBe(false)
    expect(echoes.pending).toBe(1)
  })
})

describe('ownerView', () => {
  const message = (chatId: string, self: boolean, t = 'hi'): Omit<InboxMessage, 'time'> => ({
    id: 'm1',
    chat: { type: 'contact', id: chatId, name: chatId },
    sender: { id: self ? 'self-id' : chatId, name: 'X', self },
    type: 'text',
    text: t,
  })

  it('puts the owner typing in File Transfer into the chat "me" as the user, and the agent\'s echo as its own', () => {
    const echoes = new FileHelperEchoes()
    echoes.expect('question?')
    expect(ownerView(message('filehelper', true, 'question?'), echoes, true)).toMatchObject({ chat: { id: 'me' }, sender: { id: 'self-id', self: true } })
    expect(ownerView(message('filehelper', true, 'answer'), echoes, true)).toMatchObject({ chat: { id: 'me' }, sender: { id: 'me', self: false } })
  })

  it('leaves other chats, File Transfer\'s own notices, and File Transfer while another road carries the conversation', () => {
    const echoes = new FileHelperEchoes()
    expect(ownerView(message('c-bob', false), echoes, true).chat.id).toBe('c-bob')
    expect(ownerView(message('filehelper', false), echoes, true)).toMatchObject({ chat: { id: 'filehelper' }, sender: { self: false } })
    echoes.expect('sent while iLink carried it')
    expect(ownerView(message('filehelper', true, 'sent while iLink carried it'), echoes, false)).toMatchObject({ chat: { id: 'filehelper' }, sender: { self: true } })
    expect(echoes.pending).toBe(0)
  })
})
