/**
 * A missing token reads as a missing token. Clients that try OAuth first (Claude Code, mcp-remote, the SDK client
 * with an auth provider) answer our 401 by probing OAuth discovery and registering a client; each probe, and the 401
 * itself, must end in the words "Authorization: Bearer <MCP_AUTH_TOKEN>", not "Dynamic Client Registration rejected
 * (HTTP 404)". Tried with the SDK Client over both transports, with and without an OAuth provider, and with
 * mcp-remote (a dev dependency, or MCP_REMOTE_CLIENT).
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { startServer, tempDir, type RunningServer } from '../helpers/server.js'
import { connect, TRANSPORTS, type TransportKind } from '../helpers/clients.js'
import { raw } from './raw-http.js'

const TOKEN = 'oauth-probe-test-token-0123456789abcdef'
/** What every answer must lead the user to, in the words the clients print. */
const NEEDS_BEARER = /Authorization: Bearer <MCP_AUTH_TOKEN>/

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ MCP_AUTH_TOKEN: TOKEN })
})
afterAll(async () => {
  await server?.stop()
})

/** An OAuth client as Claude Code runs one: in memory, with a redirect URL, registering itself dynamically. */
function oauthProvider(): OAuthClientProvider & { redirected: URL[] } {
  let client: OAuthClientInformationMixed | undefined
  let tokens: OAuthTokens | undefined
  let verifier = ''
  const redirected: URL[] = []
  return {
    redirected,
    get redirectUrl() {
      return 'http://127.0.0.1:1/callback'
    },
    get clientMetadata() {
      return { client_name: 'oauth-probe-test', redirect_uris: ['http://127.0.0.1:1/callback'], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' }
    },
    clientInformation: () => client,
    saveClientInformation: (info) => {
      client = info
    },
    tokens: () => tokens,
    saveTokens: (t) => {
      tokens = t
    },
    redirectToAuthorization: (url) => {
      redirected.push(url)
    },
    saveCodeVerifier: (v) => {
      verifier = v
    },
    codeVerifier: () => verifier,
  }
}

async function connectWithOAuth(kind: TransportKind): Promise<{ error: Error; provider: ReturnType<typeof oauthProvider> }> {
  const provider = oauthProvider()
  const client = new Client({ name: 'oauth-probe-test', version: '1.0.0' })
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL('/sse', server.url), { authProvider: provider })
      : new StreamableHTTPClientTransport(new URL('/mcp', server.url), { authProvider: provider })
  const error = await client.connect(transport).then(
    () => new Error('connected without a token'),
    (e: unknown) => e as Error,
  )
  await client.close().catch(() => undefined)
  return { error, provider }
}

describe('a client that tries OAuth is told to send the bearer token', () => {
  it.each(TRANSPORTS)('SDK Client with an OAuth provider over %s: the error says "Authorization: Bearer <MCP_AUTH_TOKEN>"', async (kind) => {
    const { error, provider } = await connectWithOAuth(kind)
    expect(error.message).toMatch(NEEDS_BEARER)
    expect(error.message).toMatch(/does not use OAuth/)
    expect(error.message).not.toMatch(/404/)
    // It never got as far as opening a sign-in page that cannot exist.
    expect(provider.redirected).toEqual([])
  })

  it('SDK Client without a provider over Streamable HTTP: the 401 body says the same', async () => {
    const error = await connect(server.url, 'streamableHttp').then(
      () => new Error('connected without a token'),
      (e: unknown) => e as Error,
    )
    expect(error.message).toMatch(/401|Unauthorized/)
    expect(error.message).toMatch(NEEDS_BEARER)
  })

  it('the 401 carries the instruction in WWW-Authenticate, and tells a wrong token from a missing one', async () => {
    const missing = await raw(server.port, { method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })
    expect(missing.status).toBe(401)
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm="wechat-mcp", error_description="[^"]*Authorization: Bearer <MCP_AUTH_TOKEN>[^"]*"$/)
    expect(missing.json().error.message).toMatch(NEEDS_BEARER)
    const wrong = await raw(server.port, { path: '/sse', headers: { authorization: 'Bearer not-the-token-at-all' } })
    expect(wrong.status).toBe(401)
    expect(wrong.headers['www-authenticate']).toMatch(/error="invalid_token", error_description="The bearer token is wrong/)
    expect(wrong.json().error.message).toMatch(/bearer token is wrong.*MCP_AUTH_TOKEN/)
  })

  it('every discovery path answers "no OAuth here" with the instruction; registration, authorize and token refuse with it', async () => {
    for (const p of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource/sse',
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/mcp',
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration/mcp',
      '/mcp/.well-known/openid-configuration',
    ]) {
      const res = await raw(server.port, { path: p, headers: { 'mcp-protocol-version': '2025-06-18' } })
      expect(res.status, p).toBe(404)
      expect(res.json(), p).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(NEEDS_BEARER) })
    }
    for (const [method, p] of [['POST', '/register'], ['GET', '/authorize?response_type=code&client_id=x'], ['POST', '/token']]) {
      const res = await raw(server.port, { method, path: p, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined })
      expect(res.status, p).toBe(403)
      expect(res.json(), p).toEqual({ error: 'access_denied', error_description: expect.stringMatching(NEEDS_BEARER) })
      expect(res.body).not.toContain(TOKEN)
    }
  })

  it('with the token, the same clients connect as before', async () => {
    for (const kind of TRANSPORTS) {
      const client = await connect(server.url, kind, TOKEN)
      expect((await client.listTools()).tools.length).toBeGreaterThan(0)
      await client.close()
    }
  })
})

/** mcp-remote is a dev dependency (npm ci installs it); MCP_REMOTE_CLIENT names another copy. */
function findMcpRemote(): string | undefined {
  if (process.env.MCP_REMOTE_CLIENT && existsSync(process.env.MCP_REMOTE_CLIENT)) return process.env.MCP_REMOTE_CLIENT
  try {
    const pkg = createRequire(import.meta.url).resolve('mcp-remote/package.json')
    const client = path.join(path.dirname(pkg), 'dist/client.js')
    return existsSync(client) ? client : undefined
  } catch {
    return undefined
  }
}

const mcpRemote = findMcpRemote()

describe.skipIf(!mcpRemote)('mcp-remote (skipped when it is not installed; MCP_REMOTE_CLIENT=<…/mcp-remote/dist/client.js>)', () => {
  /** Runs mcp-remote's test client until it has printed the tool list or failed; it quits when stdin closes. */
  function runMcpRemote(extra: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [mcpRemote!, `${server.url}/mcp`, '--allow-http', ...extra], {
        // Its OAuth state goes to a fresh directory; a browser it might open is `true`.
        env: { PATH: process.env.PATH, HOME: tempDir(), MCP_REMOTE_CONFIG_DIR: tempDir(), BROWSER: 'true' },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let out = ''
      const finish = () => {
        clearTimeout(timer)
        child.kill('SIGKILL')
        resolve(out)
      }
      const onData = (d: Buffer) => {
        out += d
        if (/Fatal error|Exiting OK|Error requesting tools list/.test(out)) finish()
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`mcp-remote did not finish in 60 s:\n${out}`))
      }, 60_000)
      child.on('exit', finish)
    })
  }

  it('without the header it says the server needs "Authorization: Bearer <MCP_AUTH_TOKEN>", not HTTP 404', async () => {
    const out = await runMcpRemote([])
    expect(out).toMatch(NEEDS_BEARER)
    expect(out).not.toMatch(/rejected \(HTTP 404\)/)
  })

  it('with the header it connects and lists the tools', async () => {
    const out = await runMcpRemote(['--header', `Authorization:Bearer ${TOKEN}`])
    expect(out).toMatch(/Connected successfully/)
    expect(out).toMatch(/findFriend/)
  })
})
