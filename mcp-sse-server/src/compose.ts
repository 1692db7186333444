/**
 * The composition root: builds the narrow parts once (directory, audit log, pacing queue, sender, inbox, the roads
 * and their login state, notifications) and wires them together. Tools, the HTTP app and the CLI get only the parts
 * they use; nothing reaches through one object that holds everything.
 */
import path from 'node:path'
import type { Config } from './config.js'
import { redactSecrets, type Logger } from './logger.js'
import { createNotifier } from './notify/notifier.js'
import type { Notifier } from './notify/types.js'
import { wechatChannel } from './notify/wechat-channel.js'
import { ROADS, type RoadDefinition } from './roads/index.js'
import { Roads } from './roads/roads.js'
import type { ToolDeps } from './tools/define.js'
import { AuditLog } from './wechat/audit.js'
import { Directory } from './wechat/directory.js'
import { Inbox } from './wechat/inbox.js'
import { LogoutWatcher } from './wechat/logout-watcher.js'
import { Pacer } from './wechat/pacer.js'
import { Sender, type OutboundPort } from './wechat/sender.js'

export interface Composition extends ToolDeps {
  audit: AuditLog
  pacer: Pacer
  logoutWatcher: LogoutWatcher
}

export interface ComposeOptions {
  /** The roads to build (default: the registry); tests pass their own. */
  roads?: readonly RoadDefinition[]
  /** Replaces the notifier built from the configuration (tests). */
  notifier?: Notifier
}

export function compose(config: Config, logger: Logger, options: ComposeOptions = {}): Composition {
  const log = logger.child({ component: 'wechat' })
  const directory = new Directory()
  const audit = new AuditLog(
    config.dataDir,
    (t) => redactSecrets(t, config.secrets),
    (err) => log.error({ err: String(err), file: path.join(config.dataDir, 'audit.jsonl') }, 'could not write the audit log'),
  )
  const pacer = new Pacer({
    minIntervalMs: config.send.minIntervalMs,
    maxPerMinute: config.send.maxPerMinute,
    queueMax: config.send.queueMax,
    onQueued: (waiting) => log.debug({ waiting }, 'WeChat send queued behind pacing'),
  })
  const roads = new Roads(options.roads ?? ROADS, { config, logger, directory })
  // Friends and groups are reached on the web road; its sends go out through it.
  const web: OutboundPort = {
    isLoggedIn: () => roads.isLoggedIn('web'),
    loginHint: () => roads.hint('web'),
    refreshIfStale: () => directory.refreshIfStale(),
    send: (to, content) => {
      const road = roads.road('web')
      if (!road) return Promise.reject(new Error('the web road is off (WECHATY_PUPPET=none)'))
      return road.send(to, content)
    },
  }
  const sender = new Sender(directory, web, pacer, audit, {
    maxMessageChars: config.send.maxMessageChars,
    repeatWindowS: config.send.repeatWindowS,
    allowedContacts: config.allowedContacts,
    allowedRooms: config.allowedRooms,
  })
  const inbox = new Inbox(config.inbox)
  roads.on('message', (road, message) => {
    try {
      const kept = inbox.add(message)
      // Never the text: logs are not the place for people's messages.
      log.debug({ road, chat: kept.chat.id, type: kept.type, self: kept.sender.self }, 'message kept')
    } catch (err) {
      log.debug({ err: String(err), id: message.id }, 'message not kept in the inbox')
    }
  })
  roads.on('state', (road, { status }) => {
    if (road !== 'web') return
    // Ids change at every web login: what was kept (and every wait) and what the allow-list was pinned to belong to
    // the session that ended.
    if (status === 'logged_out' || status === 'logged_in') inbox.clear()
    if (status === 'logged_in') sender.forgetLogin()
  })

  const wechatNotify = wechatChannel(sender, config)
  const notifier = options.notifier ?? createNotifier({ config, logger, extraChannels: wechatNotify ? [wechatNotify] : [] })
  const logoutWatcher = new LogoutWatcher({ notifier, logger, loginPageUrl: () => roads.loginPageUrl, isPublicUrl: config.publicUrl !== undefined })
  const webRoad = roads.road('web')
  if (webRoad) logoutWatcher.watch(webRoad)

  return { config, logger, directory, audit, pacer, sender, inbox, roads, notifier, logoutWatcher }
}
