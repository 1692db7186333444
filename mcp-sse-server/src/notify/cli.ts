/**
 * `wechat-mcp notify` and `wechat-mcp event`: the fan-out for scripts and agent hooks.
 * Exit codes: 0 at least one channel accepted (or deliberately skipped), 1 all failed, 2 none configured or bad arguments.
 */
import { parseArgs } from 'node:util'
import type { Config } from '../config.js'
import type { Logger } from '../logger.js'
import { EVENT_TYPES, sendEvent, type EventType } from './event.js'
import { describeReport, noneConfiguredForCli, outcomeOf, structuredReport } from './report.js'
import type { NotifyReport, Notifier } from './types.js'

export interface NotifyCliDeps {
  config: Config
  logger: Logger
  notifier: Notifier
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

export const NOTIFY_USAGE = `Usage:
  wechat-mcp notify --title TITLE --content CONTENT [--channels id,id] [--json]
  wechat-mcp event --run-id ID --event start|update|end|error --message MESSAGE
                   [--data JSON-object] [--timestamp ISO-8601] [--channels id,id] [--json]

Sends through every configured webhook channel (docs/channels.md). WECHAT_NOTIFY_TO (delivery into WeChat)
only works through the running server's notify_send / notify_event tools, not from these commands.
Exit codes: 0 at least one channel accepted (or the send was skipped on purpose), 1 every channel failed,
2 no channel is configured or the arguments are wrong.
`

class UsageError extends Error {}

/** argv starts with the subcommand: ['notify', '--title', …]. */
export async function runNotifyCli(argv: string[], deps: NotifyCliDeps): Promise<number> {
  const [command, ...rest] = argv
  let json: boolean
  let report: NotifyReport
  try {
    if (command === 'notify') {
      const { values } = parse(rest, { title: { type: 'string' }, content: { type: 'string' } })
      json = values.json === true
      const title = required(values.title, '--title')
      // An empty content is allowed (a title says enough); a missing one is a mistake.
      if (typeof values.content !== 'string') throw new UsageError('--content is required')
      const content = values.content
      report = await deps.notifier.send({ title, content, channels: channelList(values.channels) })
    } else if (command === 'event') {
      const { values } = parse(rest, {
        'run-id': { type: 'string' },
        event: { type: 'string' },
        message: { type: 'string' },
        data: { type: 'string' },
        timestamp: { type: 'string' },
      })
      json = values.json === true
      const event = required(values.event, '--event')
      if (!(EVENT_TYPES as readonly string[]).includes(event)) throw new UsageError(`--event must be one of ${EVENT_TYPES.join(', ')}`)
      report = await sendEvent(
        deps.notifier,
        deps.config.notify.events,
        {
          run_id: required(values['run-id'], '--run-id'),
          event: event as EventType,
          message: required(values.message, '--message'),
          data: values.data === undefined ? undefined : dataObject(values.data),
          timestamp: values.timestamp,
        },
        channelList(values.channels),
      )
    } else if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      deps.stdout.write(NOTIFY_USAGE)
      return command === undefined ? 2 : 0
    } else {
      throw new UsageError(`unknown command "${command}"`)
    }
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseArgsError(err)) throw err
    deps.stderr.write(`wechat-mcp: ${(err as Error).message}\n\n${NOTIFY_USAGE}`)
    return 2
  }

  const configured = deps.notifier.configuredChannels()
  const outcome = outcomeOf(report, configured)
  if (json) deps.stdout.write(`${JSON.stringify(structuredReport(report, configured), null, 2)}\n`)
  else {
    const text = describeReport(report, configured, noneConfiguredForCli(deps.config.notify.wechatTo !== undefined))
    ;(outcome === 'none-configured' ? deps.stderr : deps.stdout).write(`${text}\n`)
  }
  return outcome === 'none-configured' ? 2 : outcome === 'all-failed' ? 1 : 0
}

/** parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes and a clear message. */
function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
}

type StringOptions = Record<string, { type: 'string' }>

/** The command's own options plus the two every command takes. */
function parse<O extends StringOptions>(args: string[], options: O) {
  return parseArgs({
    args,
    options: { ...options, channels: { type: 'string' as const }, json: { type: 'boolean' as const } },
    strict: true,
    allowPositionals: false,
  })
}

function required(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${name} is required`)
  return value
}

function channelList(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string') return undefined
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean)
  return ids.length ? ids : undefined
}

function dataObject(text: string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError('--data must be a JSON object, e.g. \'{"tests":"212 passed"}\'')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--data must be a JSON object, not an array or a single value')
  }
  return parsed as Record<string, unknown>
}
