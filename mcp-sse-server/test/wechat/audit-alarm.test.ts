import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/logger.js'
import { AuditAlarm } from '../../src/wechat/audit-alarm.js'
import type { AuditLogEvents } from '../../src/wechat/audit.js'
import { httpNotifier, startChannelServer, type ChannelServer } from '../helpers/channel-server.js'

const logger = createLogger({ level: 'silent', secrets: [] })
let channel: ChannelServer
beforeEach(async () => {
  channel = await startChannelServer()
})
afterEach(async () => {
  await channel.close()
})

describe('AuditAlarm', () => {
  it('notifies once per episode through every channel but WeChat, at most once per interval when it flaps', async () => {
    let now = 1_000_000
    const audit = new EventEmitter<AuditLogEvents>()
    const notifier = httpNotifier(channel.url, ['local', 'wechat'])
    const alarm = new AuditAlarm({ notifier, logger, file: '/data/audit.jsonl', minIntervalMs: 60_000, now: () => now }).watch(audit)
    audit.emit('failed', 'no space left on device (ENOSPC)')
    await alarm.pending
    audit.emit('recovered')
    audit.emit('failed', 'read-only file system (EROFS)')
    await alarm.pending
    expect(notifier.requests).toHaveLength(1)
    expect(notifier.requests[0]).toMatchObject({
      channels: ['local'],
      content: expect.stringMatching(/^The audit log \/data\/audit\.jsonl cannot be written: no space left on device \(ENOSPC\)\.\nNo WeChat message goes out until it can/),
    })
    now += 60_000
    audit.emit('recovered')
    audit.emit('failed', 'read-only file system (EROFS)')
    await alarm.pending
    expect(notifier.requests.map((r) => r.content.split('\n')[0])).toEqual([
      'The audit log /data/audit.jsonl cannot be written: no space left on device (ENOSPC).',
      'The audit log /data/audit.jsonl cannot be written: read-only file system (EROFS).',
    ])
  })
})
