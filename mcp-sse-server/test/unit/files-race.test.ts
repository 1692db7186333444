/**
 * A local file that changes between the checks and the read: grows past the size limit, is replaced by a symlink
 * or by another file, or has a directory on its way swapped for a symlink to outside. Each change is made at an
 * exact point of loadFromPath (hooks around the real fs calls), so the races are deterministic.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { loadFromPath, type LoadedFile } from '../../src/wechat/files.js'
import { tempDir } from '../helpers/server.js'

type Hook = (file: string) => void
const hooks = vi.hoisted(() => ({}) as { afterRealpath?: Hook; afterStat?: Hook; afterFstat?: Hook })

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  const realpath = (async (file: string) => {
    const out = await fs.realpath(file)
    hooks.afterRealpath?.(file)
    return out
  }) as typeof fs.realpath
  const stat = (async (file: string) => {
    const out = await fs.stat(file)
    hooks.afterStat?.(file)
    return out
  }) as typeof fs.stat
  const open = (async (file: string, flags?: number) => {
    const handle = await fs.open(file, flags)
    const fstat = handle.stat.bind(handle)
    handle.stat = (async () => {
      const out = await fstat()
      hooks.afterFstat?.(file)
      return out
    }) as typeof handle.stat
    return handle
  }) as typeof fs.open
  return { ...fs, realpath, stat, open, default: { ...fs, realpath, stat, open } }
})

const root = tempDir('wechat-mcp-files-race-')
const allowed = path.join(root, 'allowed')
const outside = path.join(root, 'outside')
const options = { dirs: [allowed], maxBytes: 100 }

beforeEach(() => {
  rmSync(allowed, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
  mkdirSync(path.join(allowed, 'sub'), { recursive: true })
  mkdirSync(outside)
  writeFileSync(path.join(allowed, 'notes.txt'), 'ten bytes!')
  writeFileSync(path.join(allowed, 'other.txt'), 'another file')
  writeFileSync(path.join(allowed, 'sub', 'notes.txt'), 'inside')
  writeFileSync(path.join(outside, 'notes.txt'), 'secret from outside')
})
afterEach(() => {
  delete hooks.afterRealpath
  delete hooks.afterStat
  delete hooks.afterFstat
})

describe('a local file that changes while it is loaded', () => {
  it('is loaded when nothing changes (the hooks themselves change nothing)', async () => {
    const loaded = (await loadFromPath('notes.txt', options)) as LoadedFile
    expect(Buffer.from(await loaded.file.toBuffer()).toString()).toBe('ten bytes!')
  })

  it.each([
    ['after the size check, before opening', 'afterStat'],
    ['after opening, before reading', 'afterFstat'],
  ] as const)('is refused when it grows past the limit %s, and no more than the limit is read', async (_when, hook) => {
    hooks[hook] = (file) => {
      if (file.endsWith('notes.txt')) appendFileSync(file, Buffer.alloc(1000, 'x'))
    }
    expect(await loadFromPath('notes.txt', options)).toEqual({ ok: false, code: 'file_refused', detail: expect.stringMatching(/"notes\.txt" grew past the size limit while it was being read/) })
  })

  it('is refused when it is replaced by a symlink to outside after the checks', async () => {
    hooks.afterStat = (file) => {
      if (!file.endsWith('notes.txt')) return
      unlinkSync(file)
      symlinkSync(path.join(outside, 'notes.txt'), file)
    }
    expect(await loadFromPath('notes.txt', options)).toEqual({ ok: false, code: 'file_refused', detail: expect.stringMatching(/"notes\.txt" changed while it was being opened/) })
  })

  it('is refused when another file is put in its place after the checks (device and inode differ)', async () => {
    hooks.afterStat = (file) => {
      if (file.endsWith('notes.txt')) renameSync(path.join(allowed, 'other.txt'), file)
    }
    expect(await loadFromPath('notes.txt', options)).toEqual({ ok: false, code: 'file_refused', detail: expect.stringMatching(/changed while it was being opened/) })
  })

  it.runIf(process.platform === 'linux')('is refused when a directory on its way becomes a symlink to outside after the confinement check', async () => {
    hooks.afterRealpath = (file) => {
      if (file !== path.join(allowed, 'sub', 'notes.txt')) return
      rmSync(path.join(allowed, 'sub'), { recursive: true })
      symlinkSync(outside, path.join(allowed, 'sub'))
    }
    expect(await loadFromPath('sub/notes.txt', options)).toEqual({ ok: false, code: 'file_refused', detail: expect.stringMatching(/changed while it was being opened/) })
  })
})
