/**
 * Every notification channel, in the order results are reported.
 * Adding a channel = one file in channels/ + one line here. This file must not import config.ts (config imports it).
 */
import aibotk from './channels/aibotk.js'
import bark from './channels/bark.js'
import chronocat from './channels/chronocat.js'
import dingtalk from './channels/dingtalk.js'
import feishu from './channels/feishu.js'
import gocqhttp from './channels/gocqhttp.js'
import gotify from './channels/gotify.js'
import igot from './channels/igot.js'
import ntfy from './channels/ntfy.js'
import openilink from './channels/openilink.js'
import pushdeer from './channels/pushdeer.js'
import pushme from './channels/pushme.js'
import pushplus from './channels/pushplus.js'
import qmsg from './channels/qmsg.js'
import serverchan from './channels/serverchan.js'
import smtp from './channels/smtp.js'
import synologyChat from './channels/synology-chat.js'
import telegram from './channels/telegram.js'
import webhook from './channels/webhook.js'
import wecomApp from './channels/wecom-app.js'
import wecomBot from './channels/wecom-bot.js'
import weplusbot from './channels/weplusbot.js'
import wxpusher from './channels/wxpusher.js'
import type { ChannelDefinition } from './types.js'

export interface ChannelVariables {
  readonly id: string
  readonly variables: readonly string[]
}

export const channels: readonly ChannelDefinition[] = [
  bark,
  dingtalk,
  feishu,
  telegram,
  wecomBot,
  wecomApp,
  smtp,
  serverchan,
  pushplus,
  pushdeer,
  gotify,
  ntfy,
  gocqhttp,
  chronocat,
  qmsg,
  aibotk,
  webhook,
  igot,
  pushme,
  synologyChat,
  weplusbot,
  wxpusher,
  openilink,
]

/** Read by the fan-out itself rather than by one channel (qinglong names). */
export const GLOBAL_NOTIFY_VARIABLES = ['SKIP_PUSH_TITLE', 'HITOKOTO'] as const

/** Every variable any channel reads; config.ts snapshots exactly these from the environment. */
export const CHANNEL_VARIABLES: readonly string[] = [
  ...new Set([...channels.flatMap((c) => c.variables), ...GLOBAL_NOTIFY_VARIABLES]),
]
