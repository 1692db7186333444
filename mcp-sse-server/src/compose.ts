/**
 * The composition root: builds the narrow parts once (directory, audit log, pacing queue, sender, inbox, the roads
 * and their login state, notifications) and wires them together. Tools, the HTTP app and the CLI get only the parts
 * they use; nothing reaches through one object that holds everything.
 */
import path from 'node:path'
import type { Config } from './config.js'
import { redactSecrets, type Logger, type RuntimeSecrets } from './logger.js'
import { createNotifier } from './notify/notifier.js'
import type { Notifier } from './notify/types.js'
import { ilinkChannel } from './notify/ilink-channel.js'
import { queueDeadlineMs, wechatChannel } from './notify/wechat-channel.js'
import { IlinkOutbox } from './roads/ilink/outbox.js'
import type { IlinkRoad } from './roads/ilink/road.js'
import { ROADS, type RoadDefinition } from './roads/index.js'
import { Roads } from './roads/roads.js'
import { OwnerConversation } from './owner/owner-conversation.js'
import { OWNER_CHAT_ID } from './owner/owner-road.js'
import type { ToolDeps } from './tools/lib/define.js'
import { AuditLog } from './wechat/audit.js'
import { AuditAlarm } from './wechat/audit-alarm.js'
import { Directory } from './wechat/directory.js'
import { Stamps } from './wechat/clock.js'
import { createChannel } from './channel/index.js'
import type { ChannelHub } from './channel/hub.js'
import { Inbox } from './wechat/inbox.js'
import { ilinkExpiredMessage, LogoutWatcher } from './wechat/logout-watcher.js'
import { Pacer } from './wechat/pacer.js'
import { Sender, type OutboundPort } from './wechat/sender.js'
import { Confirmer } from './confirm/confirmer.js'
import { OwnerAnswers } from './confirm/owner-answers.js'

export interface Composition extends ToolDeps {
  audit: AuditLog
  pacer: Pacer
  logoutWatcher: LogoutWatcher
  /** Sends to the owner over the iLink road (window and budget checked, paced, audited), when that road runs. */
  ilink?: IlinkOutbox
  /** WeChat as a Claude Code channel (CHANNEL_ENABLED). */
  channel?: ChannelHub
}

export interface ComposeOptions {
  /** The roads to build (default: the registry); tests pass their own. */
  roads?: readonly RoadDefinition[]
  /** Replaces the notifier built from the configuration (tests). */
  notifier?: Notifier
  /** Secrets learned at runtime (the iLink bot token): the logger scrubs them, and so does the audit log. */
  runtimeSecrets?: RuntimeSecrets
}

export function compose(config: Config, logger: Logger, options: ComposeOptions = {}): Composition {
  const log = logger.child({ component: 'wechat' })
  const directory = new Directory()
  const audit = new AuditLog(
    config.dataDir,
    (t) => redactSecrets(t, [...config.secrets, ...(options.runtimeSecrets?.list() ?? [])]),
    // Each failed write; the episode itself is logged once, and notified, by the AuditAlarm below.
    (err) => log.debug({ err: String(err), file: path.join(config.dataDir, 'audit.jsonl') }, 'audit log write failed'),
    { maxBytes: config.audit.maxBytes, sandbox: config.sandbox },
  )
  const pacer = new Pacer({
    minIntervalMs: config.send.minIntervalMs,
    maxPerMinute: config.send.maxPerMinute,
    queueMax: config.send.queueMax,
    onQueued: (waiting) => log.debug({ waiting }, 'WeChat send queued behind pacing'),
  })
  // One clock for send and message times: a reply is always later than the `sentAt` it answers.
  const stamps = new Stamps()
  const roads = new Roads(options.roads ?? ROADS, { config, logger, directory, runtimeSecrets: options.runtimeSecrets, stamps })
  // Friends and groups are reached on the web road; its sends go out through it.
  const web: OutboundPort = {
    isLoggedIn: () => roads.isLoggedIn('web'),
    loginHint: () => roads.hint('web'),
    refreshIfStale: () => directory.refreshIfStale(),
    send: (to, content) => {
      const road = roads.road('web')
      if (!road) return Promise.reject(new Error('the web road is off (WECHATY_PUPPET=none)'))
      owner.noteWebSend(to, content)
      return road.send(to, content)
    },
  }
  // A message is the owner's when it is in the owner's chat and not this account's own echo.
  const isOwner = (m: { chat: { id: string }; sender: { self: boolean } }) => m.chat.id === OWNER_CHAT_ID && !m.sender.self
  const answers = new OwnerAnswers(isOwner)
  const confirmer: Confirmer = new Confirmer({
    config,
    answers,
    // The owner conversation (ClawBot, else File Transfer) carries the question; the question itself is never asked about.
    owner: {
      available: () => owner.road().ok,
      ask: async (text) => {
        const sent = await owner.sendText('confirm', text)
        return sent.ok ? undefined : sent.detail
      },
    },
  })
  const sender = new Sender(directory, web, pacer, audit, {
    confirmer,
    maxMessageChars: config.send.maxMessageChars,
    repeatWindowS: config.send.repeatWindowS,
    allowedContacts: config.allowedContacts,
    allowedRooms: config.allowedRooms,
    stamps,
  })
  const ilinkRoad = roads.road('ilink') as IlinkRoad | undefined
  const ilink = ilinkRoad && new IlinkOutbox(ilinkRoad, pacer, audit)
  const owner = new OwnerConversation({ setting: config.ownerRoad, roads, sender, confirmer, ...(ilink ? { ilink } : {}) })
  const inbox = new Inbox({ ...config.inbox, stamps })
  roads.on('message', (road, message) => {
    const viewed = owner.view(road, message)
    // The owner's answer to a send confirmation decides it, and goes nowhere else.
    if (answers.take(viewed)) {
      log.debug({ road }, 'owner answered a send confirmation')
      return
    }
    try {
      const kept = inbox.add(viewed)
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
    // The chat `me` is no web id: it stays, and a wait for the user's answer outlives a web login (the user may
    // answer once WeChat is back, or on ClawBot).
    if (status === 'logged_out' || status === 'logged_in') inbox.clear({ type: 'contact', id: OWNER_CHAT_ID })
    if (status === 'logged_in') {
      sender.forgetLogin()
      owner.echoes.clear()
    }
    // None of the sends still waiting for their turn can go out now: answer them at once, not at their turn.
    else pacer.abandonQueued('logout', 'web')
  })

  // ClawBot sends still waiting for their turn cannot go out once its login ended: answer them at once.
  ilinkRoad?.on('state', ({ status }) => {
    if (status !== 'logged_in') pacer.abandonQueued('logout', 'ilink')
  })
  const extraChannels = [
    wechatChannel(sender, config),
    ilink && ilinkChannel(ilink, { maxChars: config.send.maxMessageChars, timeoutMs: queueDeadlineMs(config) }),
  ].filter((c) => c !== undefined)
  const notifier = options.notifier ?? createNotifier({ config, logger, extraChannels })
  const logoutWatcher = new LogoutWatcher({ notifier, logger, loginPageUrl: () => roads.loginPageUrl, isPublicUrl: config.publicUrl !== undefined })
  const webRoad = roads.road('web')
  if (webRoad) logoutWatcher.watch(webRoad)
  new AuditAlarm({ notifier, logger, file: audit.file }).watch(audit)
  // A stale ClawBot token is told through the other channels, once, like a web logout.
  if (ilinkRoad) {
    new LogoutWatcher({
      notifier,
      logger,
      loginPageUrl: () => roads.loginPageUrl,
      isPublicUrl: config.publicUrl !== undefined,
      unreachable: ['ilink'],
      message: ilinkExpiredMessage,
    }).watch(ilinkRoad)
  }

  const channel = config.channel.enabled
    ? createChannel({
        logger,
        inbox,
        directory,
        listed: config.channel.senders,
        isOwner,
        // On the owner road (ClawBot when it is logged in, else File Transfer), like sendMessageToMe.
        tellOwner: async (text) => {
          await owner.sendText('channel', text)
        },
      })
    : undefined

  return { config, logger, directory, audit, pacer, sender, inbox, roads, owner, notifier, logoutWatcher, ...(ilink ? { ilink } : {}), ...(channel ? { channel } : {}) }
}
