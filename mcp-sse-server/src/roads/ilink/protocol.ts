/**
 * The iLink bot API's wire vocabulary (WeChat's ClawBot), in one place with the names beside the numbers. Facts
 * from Tencent's MIT-licensed reference client (@tencent-weixin/openclaw-weixin); JSON over HTTPS, snake_case.
 */

/** `ret`/`errcode` meaning the bot token is stale: the owner must scan again. */
export const STALE_TOKEN = -14

export const MESSAGE_TYPE = { USER: 1, BOT: 2 } as const
export const MESSAGE_STATE = { FINISH: 2 } as const
export const ITEM_TYPE = { TEXT: 1, IMAGE: 2, VOICE: 3, FILE: 4, VIDEO: 5 } as const
export const UPLOAD_MEDIA_TYPE = { IMAGE: 1, VIDEO: 2, FILE: 3, VOICE: 4 } as const
/** get_bot_qrcode's bot type for a personal ClawBot. */
export const BOT_TYPE = '3'

export type QrStatus =
  | 'wait'
  | 'scaned'
  | 'confirmed'
  | 'expired'
  | 'need_verifycode'
  | 'verify_code_blocked'
  | 'scaned_but_redirect'
  | 'binded_redirect'

export interface BaseInfo {
  channel_version: string
  bot_agent: string
}

export interface CdnMedia {
  encrypt_query_param?: string
  /** base64 of the hex spelling of the AES key. */
  aes_key?: string
  encrypt_type?: number
  full_url?: string
}

export interface MessageItem {
  type?: number
  text_item?: { text?: string }
  image_item?: { media?: CdnMedia; mid_size?: number }
  voice_item?: { media?: CdnMedia; text?: string; playtime?: number }
  file_item?: { media?: CdnMedia; file_name?: string; md5?: string; len?: string }
  video_item?: { media?: CdnMedia; video_size?: number }
  ref_msg?: { title?: string; message_item?: MessageItem }
}

export interface WireMessage {
  seq?: number
  message_id?: string | number
  from_user_id?: string
  to_user_id?: string
  client_id?: string
  create_time_ms?: number
  message_type?: number
  message_state?: number
  context_token?: string
  item_list?: MessageItem[]
}

/** Every answer carries these; either one non-zero is a failure. */
export interface Answer {
  ret?: number
  errcode?: number
  errmsg?: string
}

export interface QrCodeAnswer extends Answer {
  qrcode?: string
  qrcode_img_content?: string
}

export interface QrStatusAnswer extends Answer {
  status?: QrStatus
  bot_token?: string
  ilink_bot_id?: string
  ilink_user_id?: string
  baseurl?: string
  redirect_host?: string
}

export interface UpdatesAnswer extends Answer {
  msgs?: WireMessage[]
  get_updates_buf?: string
  longpolling_timeout_ms?: number
}

export interface SendAnswer extends Answer {
  message_id?: string | number
}

export interface UploadUrlAnswer extends Answer {
  upload_param?: string
  upload_full_url?: string
}
