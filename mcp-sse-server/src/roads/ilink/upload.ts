/**
 * A file to the owner: encrypt it with a fresh AES-128 key, ask WeChat where to put it (getuploadurl), POST the
 * ciphertext to the CDN, and build the message item that points at it.
 */
import { randomBytes } from 'node:crypto'
import type { IlinkClient } from './client.js'
import { encryptAesEcb, md5Hex, newAesKey, paddedSize } from './crypto.js'
import { ITEM_TYPE, UPLOAD_MEDIA_TYPE, type CdnMedia, type MessageItem } from './protocol.js'

export interface FileToSend {
  name: string
  mediaType: string
  bytes: Buffer
}

export async function uploadFile(client: IlinkClient, ownerId: string, file: FileToSend, signal?: AbortSignal): Promise<MessageItem> {
  const key = newAesKey()
  const filekey = randomBytes(16).toString('hex')
  const isImage = /^image\/(png|jpe?g|gif|webp|bmp)$/i.test(file.mediaType)
  const cipherText = encryptAesEcb(file.bytes, key)
  const where = await client.getUploadUrl(
    {
      filekey,
      media_type: isImage ? UPLOAD_MEDIA_TYPE.IMAGE : UPLOAD_MEDIA_TYPE.FILE,
      to_user_id: ownerId,
      rawsize: file.bytes.length,
      rawfilemd5: md5Hex(file.bytes),
      filesize: paddedSize(file.bytes.length),
      aeskey: key.toString('hex'),
    },
    signal,
  )
  const url =
    where.upload_full_url?.trim() ||
    (where.upload_param
      ? `${client.cdnUrl.replace(/\/+$/, '')}/upload?encrypted_query_param=${encodeURIComponent(where.upload_param)}&filekey=${encodeURIComponent(filekey)}`
      : undefined)
  if (!url) throw new Error('WeChat did not say where to upload the file')
  const downloadParam = await client.uploadToCdn(url, cipherText, signal)
  // WeChat's clients expect the key as base64 of its hex spelling, not of the raw bytes.
  const media: CdnMedia = { encrypt_query_param: downloadParam, aes_key: Buffer.from(key.toString('hex')).toString('base64'), encrypt_type: 1 }
  if (isImage) return { type: ITEM_TYPE.IMAGE, image_item: { media, mid_size: cipherText.length } }
  return { type: ITEM_TYPE.FILE, file_item: { media, file_name: file.name, len: String(file.bytes.length) } }
}
