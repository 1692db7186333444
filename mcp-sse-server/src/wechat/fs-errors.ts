/** What a file-system error means, in the words an operator acts on (the code alone says little to most people). */
const CAUSES: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'the path is a directory',
  EIO: 'input/output error (the disk or its connection is failing)',
  ENOENT: 'no such file or directory',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
}

/** "no space left on device (ENOSPC)": the cause first, the code for searching; never the path (callers add it where it may be shown). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (typeof code === 'string' && CAUSES[code]) return `${CAUSES[code]} (${code})`
  if (typeof code === 'string') return code
  return err instanceof Error ? err.message : String(err)
}
