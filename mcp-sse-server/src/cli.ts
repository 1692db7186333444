/** `wechat-mcp notify` and `wechat-mcp event`: the notification fan-out for scripts and agent hooks. */
import type { Config } from './config.js'
import type { Logger } from './logger.js'

export async function runCli(command: 'notify' | 'event', args: string[], deps: { config: Config; logger: Logger }): Promise<number> {
  const { createNotifier } = await import('./notify/notifier.js')
  const { runNotifyCli } = await import('./notify/cli.js')
  const notifier = createNotifier(deps)
  return runNotifyCli([command, ...args], { ...deps, notifier, stdout: process.stdout, stderr: process.stderr })
}
