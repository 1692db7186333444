/** Builds the channel (CHANNEL_ENABLED): one hub fed by every message the inbox keeps. */
import type { Logger } from '../logger.js'
import type { Directory } from '../wechat/directory.js'
import type { Inbox, InboxMessage } from '../wechat/inbox.js'
import { ChannelHub } from './hub.js'
import { senderClassifier } from './senders.js'

export interface ChannelDeps {
  logger: Logger
  inbox: Inbox
  directory: Directory
  /** CHANNEL_SENDERS. */
  listed: readonly string[]
  isOwner: (message: InboxMessage) => boolean
  tellOwner: (text: string) => Promise<void>
}

export function createChannel({ logger, inbox, directory, listed, isOwner, tellOwner }: ChannelDeps): ChannelHub {
  const hub = new ChannelHub({ logger, tellOwner, classify: senderClassifier({ directory, listed, isOwner }) })
  inbox.onMessage((message) => {
    hub.onMessage(message).catch((err: unknown) => logger.warn({ err: String(err) }, 'channel could not handle a message'))
  })
  return hub
}
