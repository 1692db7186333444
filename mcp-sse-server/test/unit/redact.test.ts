/** The one secret scrubber: a secret is found in the forms remote ends echo it back in, and nothing else is touched. */
import { describe, expect, it } from 'vitest'
import { redactSecrets } from '../../src/logger.js'

const SECRET = 'Tok3n/with+Odd=chars~9'
const USER = 'bot@example.com'
const b64 = (text: string) => Buffer.from(text).toString('base64')
const b64url = (text: string) => Buffer.from(text).toString('base64url')

describe('redactSecrets', () => {
  it.each([
    ['raw', SECRET],
    ['upper-cased', SECRET.toUpperCase()],
    ['lower-cased', SECRET.toLowerCase()],
    ['JSON-escaped', JSON.stringify(SECRET).slice(1, -1)],
    ['percent-encoded', encodeURIComponent(SECRET)],
    ['percent-encoded, lower-case hex', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ['percent-encoded, then upper-cased', encodeURIComponent(SECRET).toUpperCase()],
    ['form-encoded', new URLSearchParams({ s: SECRET }).toString().slice(2)],
    ['base64', b64(SECRET)],
    ['base64url', b64url(SECRET)],
    ['base64 of user:password', b64(`${USER}:${SECRET}`)],
    ['base64 of AUTH PLAIN (\\0user\\0password)', b64(`\u0000${USER}\u0000${SECRET}`)],
    ['base64 of a longer text, at each alignment', [0, 1, 2].map((n) => b64(`${'x'.repeat(n)}password=${SECRET}&next=1`)).join(' ')],
    ['base64 of user:password, upper-cased by a relay', b64(`${USER}:${SECRET}`).toUpperCase()],
    ['base64 of user:password, lower-cased', b64(`${USER}:${SECRET}`).toLowerCase()],
    ['base64url of AUTH PLAIN', b64url(`\u0000${USER}\u0000${SECRET}`)],
  ])('scrubs the secret %s', (_name, echoed) => {
    const line = `535 5.7.8 Authentication failed: ${echoed} (try again)`
    const out = redactSecrets(line, [SECRET])
    expect(out).toContain('[REDACTED]')
    expect(out).toMatch(/^535 5\.7\.8 Authentication failed: .*\(try again\)$/)
    for (const piece of echoed.split(' ')) expect(out).not.toContain(piece)
    expect(out.toLowerCase()).not.toContain(SECRET.toLowerCase())
  })

  it('leaves ordinary text alone, base64 that does not hold the secret included', () => {
    const line = `HTTP 401: ${b64(`${USER}:another-password`)} Authentication failed for ${USER}; see https://example.com/docs/errors/401`
    expect(redactSecrets(line, [SECRET])).toBe(line)
    expect(redactSecrets('nothing to see', [])).toBe('nothing to see')
    // Values shorter than four characters would mangle ordinary text: they are not scrubbed.
    expect(redactSecrets('a key of abc', ['abc'])).toBe('a key of abc')
  })

  it('scrubs a longer secret whole, not around a shorter one it contains', () => {
    expect(redactSecrets('id=abcd-efgh-ijkl', ['efgh', 'abcd-efgh-ijkl'])).toBe('id=[REDACTED]')
  })
})
