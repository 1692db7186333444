/**
 * A small tmpfs the test mounts and removes, to stand in for a full or read-only disk. Mounting needs root (or
 * CAP_SYS_ADMIN): `mountUnavailable` says why it cannot be done here, so tests skip with that reason.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface Tmpfs {
  dir: string
  /** Writes a filler file until the file system refuses one more byte; returns its path. */
  fill(name?: string): string
  remount(mode: 'ro' | 'rw'): void
  unmount(): void
}

function mount(dir: string, sizeKb: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' })
}

/** Undefined when a tmpfs can be mounted here; otherwise the reason, for the skip message. */
export const mountUnavailable: string | undefined = (() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-mount-probe-'))
  try {
    mount(dir, 64)
    execFileSync('umount', [dir], { stdio: 'pipe' })
    return undefined
  } catch (err) {
    return `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN and the mount command): ${String((err as Error).message).split('\n')[0]}`
  } finally {
    rmdirSync(dir)
  }
})()

export function mountTmpfs(sizeKb: number): Tmpfs {
  const dir = mkdtempSync(path.join(tmpdir(), 'wechat-mcp-tmpfs-'))
  mount(dir, sizeKb)
  return {
    dir,
    fill(name = 'filler') {
      const file = path.join(dir, name)
      const fd = openSync(file, 'a')
      try {
        for (const size of [64 * 1024, 4096, 1]) {
          const chunk = Buffer.alloc(size, 0x78)
          for (;;) {
            try {
              writeSync(fd, chunk)
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
              throw err
            }
          }
        }
      } finally {
        closeSync(fd)
      }
      return file
    },
    remount(mode) {
      execFileSync('mount', ['-o', `remount,${mode}`, dir], { stdio: 'pipe' })
    },
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
