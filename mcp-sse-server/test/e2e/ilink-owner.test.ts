/**
 * The owner conversation over the iLink road, end to end against the fake iLink server: sendMessageToMe (text, and a
 * file through the encrypted CDN upload, compared byte for byte), waitForMyReply answered from the phone, the `me`
 * chat; before the user wrote, a refusal at once with what to do; a send WeChat refuses is never reported as sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { call, connect, text as answerText } from '../helpers/clients.js'
import { FakeIlink } from '../helpers/fake-ilink.js'
import { startServer, tempDir, writeFixture, type RunningServer } from '../helpers/server.js'

let fake: FakeIlink
let server: RunningServer | undefined

afterEach(async () => {
  await server?.stop()
  expect(fake.violations).toEqual([])
  await fake.close()
  server = undefined
})

describe('the owner conversation over ClawBot', () => {
  it('sends text and a file to the user, waits for their answer, and refuses outside the window', async () => {
    // WeChat's window is one hour here, so the test can step past it on the server's clock.
    fake = await FakeIlink.start({ windowMs: 3_600_000 })
    const files = tempDir('ilink-files-')
    mkdirSync(files, { recursive: true })
    const report = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256))
    writeFileSync(path.join(files, 'report.pdf'), report)
    server = await startServer(
      {
        ILINK_ENABLED: 'true',
        ILINK_BASE_URL: fake.url,
        ILINK_CDN_URL: fake.cdnUrl,
        ILINK_WINDOW_HOURS: '1',
        WECHAT_OWNER_ROAD: 'ilink',
        WECHAT_FILE_DIRS: files,
        WECHAT_MOCK_FIXTURE: writeFixture({ self: { name: '测试账号' }, contacts: [{ name: '张三' }] }),
      },
      { waitForLogin: false },
    )
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'waiting_for_scan', 60_000)
    fake.scan()
    fake.confirm()
    await server.waitForLog((l) => l.msg === 'ilink road state' && l.status === 'logged_in', 60_000)
    const client = await connect(server.url, 'streamableHttp')

    const early = await call(client, 'sendMessageToMe', { message: 'hello?' })
    expect(early.isError).toBe(true)
    expect(early.structuredContent).toMatchObject({ sent: false, error: 'road_unavailable', road: 'ilink' })
    expect(answerText(early)).toContain('Send any message to ClawBot in WeChat, then retry.')

    fake.ownerSays('I am here')
    await fake.waitForRequest('/ilink/bot/getupdates', (r) => r.body.get_updates_buf === 'buf-1')

    const text = await call(client, 'sendMessageToMe', { message: 'Build finished: all green.' })
    expect(text.structuredContent).toMatchObject({ sent: true, road: 'ilink' })
    const file = await call(client, 'sendMessageToMe', { message: '', path: path.join(files, 'report.pdf') })
    expect(file.structuredContent).toMatchObject({ sent: true, road: 'ilink', file: { name: 'report.pdf', size: report.length } })
    expect(fake.sent.map((s) => s.item.type)).toEqual([1, 4])
    expect(fake.uploads).toHaveLength(1)
    expect(fake.uploads[0].bytes.equals(report)).toBe(true)

    // The question, then the answer typed on the phone.
    const asked = await call(client, 'sendMessageToMe', { message: 'Deploy now?' })
    const since = (asked.structuredContent as { sentAt: string }).sentAt
    const waiting = call(client, 'waitForMyReply', { timeoutSeconds: 60, since })
    fake.ownerSays('yes, go')
    const reply = await waiting
    expect(reply.structuredContent).toMatchObject({ status: 'replied', road: 'ilink', message: { text: 'yes, go' } })

    const chat = await call(client, 'getRecentMessages', { id: 'me' })
    const texts = JSON.stringify(chat.structuredContent)
    for (const t of ['I am here', 'Build finished: all green.', 'Deploy now?', 'yes, go']) expect(texts).toContain(t)

    // WeChat closes its window (its clock moved past the hour): it refuses the send, which is reported as not sent.
    fake.advance(2 * 3_600_000)
    const sentBefore = fake.count('/ilink/bot/sendmessage')
    const late = await call(client, 'sendMessageToMe', { message: 'too late?' })
    expect(late.structuredContent).toMatchObject({ sent: false })
    expect(fake.count('/ilink/bot/sendmessage') - sentBefore).toBeLessThanOrEqual(1)
    expect(fake.sent.map((s) => s.item.type)).toEqual([1, 4, 1])
    await client.close()
    const audit = server.auditLines().filter((l) => (l.target as { id?: string }).id === 'me')
    expect(audit.map((l) => l.ok)).toEqual([false, true, true, true, false])
  }, 120_000)
})
