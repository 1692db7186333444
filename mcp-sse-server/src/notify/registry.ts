/**
 * Every notification channel, in the order results are reported.
 * Adding a channel = one file in channels/ + one line here + its test file; everything else (config's snapshot of
 * the environment, redaction, advice, docs checks, the contract test) derives from the channel's declaration.
 * This file must not import config.ts (config imports it).
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
import type { ChannelDefinition, ChannelEnv, ChannelStatus } from './types.js'

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
  ...new Set([...channels.flatMap((c) => Object.keys(c.variables)), ...GLOBAL_NOTIFY_VARIABLES]),
]

/** Variables declared secret by any channel (config hides them in its errors too). */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(
  channels.flatMap((c) => Object.keys(c.variables).filter((n) => c.variables[n].secret)),
)

/** Variables read by more than one channel (QYWX_ORIGIN): setting one is not a start on any of them. */
export function sharedVariables(list: readonly ChannelDefinition[] = channels): ReadonlySet<string> {
  const seen = new Map<string, number>()
  for (const c of list) for (const n of Object.keys(c.variables)) seen.set(n, (seen.get(n) ?? 0) + 1)
  return new Set([...seen].filter(([, count]) => count > 1).map(([n]) => n))
}

/** Every channel's status in this environment. */
export function channelStatuses(env: ChannelEnv, list: readonly ChannelDefinition[] = channels): ChannelStatus[] {
  const shared = sharedVariables(list)
  return list.map((c) => c.status(env, shared))
}

/** Every secret value this environment gives any channel, whole or hidden inside another value. */
export function channelSecrets(env: ChannelEnv, list: readonly ChannelDefinition[] = channels): string[] {
  return [...new Set(list.flatMap((c) => c.secretValues(env)))]
}
