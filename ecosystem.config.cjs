/**
 * PM2: one fork-mode instance (the WeChat bot is stateful: two processes would fight over one login).
 *
 *   npm ci && npm run build        # PM2 runs the built server, mcp-sse-server/dist/main.js
 *   pm2 start ecosystem.config.cjs
 *   pm2 logs wechat-mcp            # the QR code for the first login is also on http://127.0.0.1:8083/login
 *   pm2 save && pm2 startup        # start again after a reboot
 *
 * Configuration is the same as for `npm start`: the environment, then `.env` in this directory (the server reads it
 * itself at every start, so `pm2 restart wechat-mcp` picks up edits). See docs/deployment.md.
 */
const fs = require('node:fs')
const path = require('node:path')

const root = __dirname
const script = path.join(root, 'mcp-sse-server', 'dist', 'main.js')
if (!fs.existsSync(script)) {
  throw new Error(`${script} is missing: build the server first (npm ci && npm run build), then pm2 start ecosystem.config.cjs`)
}

// Only DATA_DIR is needed here, to keep PM2's logs beside the login session and the audit log. As in the server,
// a variable set in the environment wins over .env.
let dotenv = {}
try {
  dotenv = require('dotenv').parse(fs.readFileSync(path.join(root, '.env')))
} catch {
  // no .env: defaults apply
}
const dataDir = path.resolve(root, process.env.DATA_DIR || dotenv.DATA_DIR || 'data')
const logDir = path.join(dataDir, 'logs')
fs.mkdirSync(logDir, { recursive: true, mode: 0o700 })

module.exports = {
  apps: [
    {
      name: 'wechat-mcp',
      cwd: root,
      script,
      // ~40 MB less idle memory: V8's young generation stays small (docs/benchmarks.md).
      node_args: ['--max-semi-space-size=4'],
      args: 'serve',
      exec_mode: 'fork',
      instances: 1,
      env: { NODE_ENV: 'production' },
      // PM2 stops with SIGINT (PM2_KILL_SIGNAL), which the server handles like SIGTERM: it stops within 10 s
      // (sessions closed, queued sends finished, login saved), so PM2 must not SIGKILL earlier.
      kill_timeout: 15_000,
      max_memory_restart: '600M',
      // A crash loop (say, a bad .env) backs off instead of spinning.
      exp_backoff_restart_delay: 1_000,
      min_uptime: '10s',
      out_file: path.join(logDir, 'wechat-mcp.out.log'),
      error_file: path.join(logDir, 'wechat-mcp.err.log'),
      // One file each, without PM2's "-<instance id>" suffix; pino lines carry their own timestamps.
      merge_logs: true,
      time: false,
    },
  ],
}
