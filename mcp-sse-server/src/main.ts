#!/usr/bin/env node
/**
 * wechat-mcp: `serve` (default), `stdio`, `notify`, `event`, `logout`.
 */
import { loadConfigOrExit } from './config.js'
import { createLogger } from './logger.js'

const USAGE = `Usage: wechat-mcp [command]

Commands:
  serve                 run the MCP server (default)
  stdio [--name N]      an MCP server on stdin/stdout relaying to the running server (WECHAT_MCP_URL,
                        default http://127.0.0.1:PORT/mcp), for clients that only spawn stdio servers
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
    case 'stdio': {
      const name = optionValue(rest, '--name')
      if (name === null) {
        process.stderr.write(`--name needs a value.\n\n${USAGE}`)
        return 2
      }
      const config = loadConfigOrExit()
      const { StdioBridge } = await import('./bridge/stdio.js')
      const bridge = new StdioBridge({ url: new URL(config.serverUrl), token: config.authToken, name })
      await bridge.start()
      await bridge.closedPromise()
      return 0
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

/** The value after `flag`; undefined when the flag is absent, null when it has no value. */
function optionValue(args: string[], flag: string): string | undefined | null {
  const at = args.indexOf(flag)
  if (at < 0) return undefined
  const value = args[at + 1]
  return value && !value.startsWith('--') ? value : null
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
