import { randomBytes } from 'node:crypto'
import type { Task, TaskStore, CreateTaskOptions } from '@modelcontextprotocol/sdk/experimental/tasks'
import type { Request, RequestId, Result } from '@modelcontextprotocol/sdk/types.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'

export interface TaskLimits {
  /** The longest a task (working or finished) is kept, in ms; a client asking for more gets this. */
  maxTtlMs: number
  /** Tasks one session may hold at once, finished ones included (the oldest finished one makes room first). */
  maxTasks: number
  /** How often the client is told to poll, in ms. */
  pollIntervalMs: number
}

interface Entry {
  task: Task
  result?: Result
  /** Aborted when the task is cancelled, expires or the session ends: the work behind it (a wait) stops. */
  stop: AbortController
  expiry: NodeJS.Timeout
}

const TERMINAL = new Set<Task['status']>(['completed', 'failed', 'cancelled'])

/**
 * One session's tasks, in memory, bounded in count and in time. The SDK's InMemoryTaskStore keeps a task forever when
 * the client sets no TTL, has no count limit, and cannot stop the work behind a cancelled task; this one does all
 * three, so a cancelled or expired waitForReply frees its waiter at once. One store per session (the McpServer is per
 * session), so `sessionId` is not needed to keep sessions apart.
 */
export class SessionTaskStore implements TaskStore {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly limits: TaskLimits) {}

  get size(): number {
    return this.entries.size
  }

  /** The signal that ends the work behind a task; undefined for an unknown task. */
  signal(taskId: string): AbortSignal | undefined {
    return this.entries.get(taskId)?.stop.signal
  }

  async createTask(params: CreateTaskOptions, _requestId: RequestId, _request: Request): Promise<Task> {
    if (this.entries.size >= this.limits.maxTasks) this.evictOldestFinished()
    if (this.entries.size >= this.limits.maxTasks) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `Too many tasks in this session (${this.limits.maxTasks}, WECHAT_MAX_TASKS): cancel some (tasks/cancel) or let them finish, then try again.`,
      )
    }
    const ttl = Math.min(params.ttl ?? this.limits.maxTtlMs, this.limits.maxTtlMs)
    const now = new Date().toISOString()
    const task: Task = { taskId: randomBytes(16).toString('hex'), status: 'working', ttl, createdAt: now, lastUpdatedAt: now, pollInterval: this.limits.pollIntervalMs }
    const expiry = setTimeout(() => this.forget(task.taskId, 'expired'), ttl)
    expiry.unref()
    this.entries.set(task.taskId, { task, stop: new AbortController(), expiry })
    return { ...task }
  }

  async getTask(taskId: string): Promise<Task | null> {
    const entry = this.entries.get(taskId)
    return entry ? { ...entry.task } : null
  }

  async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result): Promise<void> {
    const entry = this.require(taskId)
    if (TERMINAL.has(entry.task.status)) throw new Error(`Task ${taskId} already ended (${entry.task.status}).`)
    entry.result = result
    this.setStatus(entry, status)
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const entry = this.require(taskId)
    if (!entry.result) throw new Error(`Task ${taskId} has no result${entry.task.status === 'cancelled' ? ': it was cancelled' : ' yet'}.`)
    return entry.result
  }

  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void> {
    const entry = this.require(taskId)
    if (TERMINAL.has(entry.task.status)) throw new Error(`Task ${taskId} already ended (${entry.task.status}).`)
    if (statusMessage) entry.task.statusMessage = statusMessage
    this.setStatus(entry, status)
    if (status === 'cancelled') entry.stop.abort('cancelled')
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const PAGE = 20
    const ids = [...this.entries.keys()]
    const start = cursor === undefined ? 0 : ids.indexOf(cursor) + 1
    if (cursor !== undefined && start === 0) throw new Error(`Unknown cursor: ${cursor}`)
    const page = ids.slice(start, start + PAGE)
    const tasks = page.map((id) => ({ ...this.entries.get(id)!.task }))
    return start + PAGE < ids.length ? { tasks, nextCursor: page[page.length - 1] } : { tasks }
  }

  /** The session ended: stop every task's work and forget them all. */
  dispose(): void {
    for (const id of [...this.entries.keys()]) this.forget(id, 'session closed')
  }

  private setStatus(entry: Entry, status: Task['status']): void {
    entry.task.status = status
    entry.task.lastUpdatedAt = new Date().toISOString()
  }

  private forget(taskId: string, reason: string): void {
    const entry = this.entries.get(taskId)
    if (!entry) return
    clearTimeout(entry.expiry)
    this.entries.delete(taskId)
    entry.stop.abort(reason)
  }

  private evictOldestFinished(): void {
    for (const [id, entry] of this.entries) {
      if (TERMINAL.has(entry.task.status)) return this.forget(id, 'evicted')
    }
  }

  private require(taskId: string): Entry {
    const entry = this.entries.get(taskId)
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId} (it may have expired).`)
    return entry
  }
}
