/**
 * The CDN's media encryption: AES-128-ECB with PKCS#7 padding (Node's default for ECB), a fresh random key per file.
 * ECB is WeChat's choice, not ours; the key never leaves this process except to WeChat inside the message.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

export function encryptAesEcb(plain: Buffer, key: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-ecb', key, null)
  return Buffer.concat([cipher.update(plain), cipher.final()])
}

export function decryptAesEcb(cipherText: Buffer, key: Buffer): Buffer {
  const decipher = createDecipheriv('aes-128-ecb', key, null)
  return Buffer.concat([decipher.update(cipherText), decipher.final()])
}

/** PKCS#7 always adds at least one byte: a 16-byte file becomes 32. */
export function paddedSize(plainSize: number): number {
  return Math.ceil((plainSize + 1) / 16) * 16
}

export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex')
}

export function newAesKey(): Buffer {
  return randomBytes(16)
}
