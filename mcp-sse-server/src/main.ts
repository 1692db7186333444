#!/usr/bin/env node
/**
 * wechat-mcp: `serve` (default), `notify`, `event`, `logout`.
 */
import { loadConfigOrExit } from './config.js'
import { createLogger } from './logger.js'

const USAGE = `Usage: wechat-mcp [command]

Commands:
  serve                 run the MCP server (default)
  notify --title T --content C [--channels a,b] [--json]
                        send a notification to every configured channel
  event --run-id ID --event start|update|end|error --message M [--data JSON] [--json]
                        send a structured run event through the same channels
  logout                forget the saved WeChat login (the next start shows a QR)

Configuration comes from the environment and ./.env (see .env.example).
`

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js')
      await serve(loadConfigOrExit())
      return -1 // keeps running; exits from its signal handlers
    }
    case 'notify':
    case 'event': {
      const config = loadConfigOrExit()
      const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, secrets: config.secrets, destination: process.stderr })
      const { runCli } = await import('./cli.js')
      return runCli(command, rest, { config, logger })
    }
    case 'logout': {
      const config = loadConfigOrExit()
      const { forgetLogin } = await import('./wechat/session-store.js')
      const removed = await forgetLogin(config.dataDir)
      process.stdout.write(removed.length ? `Forgot the saved WeChat login (${removed.join(', ')}). The next start shows a QR code.\n` : 'No saved WeChat login found.\n')
      return 0
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return 0
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (err) => {
    process.stderr.write(`wechat-mcp: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
