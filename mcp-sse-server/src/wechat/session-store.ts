import { rm, readdir } from 'node:fs/promises'
import path from 'node:path'

/** The memory card Wechaty keeps the login session in (`DATA_DIR/wechat.memory-card.json`). */
export const SESSION_NAME = 'wechat'

/** Deletes the saved login session(s) under dataDir; returns the files removed. */
export async function forgetLogin(dataDir: string): Promise<string[]> {
  const names = await readdir(dataDir).catch(() => [] as string[])
  const cards = names.filter((n) => n.endsWith('.memory-card.json'))
  await Promise.all(cards.map((n) => rm(path.join(dataDir, n), { force: true })))
  return cards
}
