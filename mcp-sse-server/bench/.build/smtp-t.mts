import { SMTPServer } from 'smtp-server'
import { createTransport } from 'nodemailer'
const server = new SMTPServer({ logger: false, authOptional: true, allowInsecureAuth: true, disabledCommands: ['STARTTLS'], disableReverseLookup: true,
  onAuth: (_a, _s, cb) => cb(null, { user: 'x' }), onData(stream, _s, cb) { stream.resume(); stream.on('end', () => cb(null)) } })
server.server.prependListener('connection', (s: any) => s.setNoDelay(true)); await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
const port = (server.server.address() as any).port
for (let i = 0; i < 4; i++) {
  const t0 = performance.now()
  const t = createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: 'a@b.c', pass: 'p' }, logger: false } as any)
  await t.sendMail({ from: 'a@b.c', to: 'me@example.com', subject: 's', text: 'x' })
  console.log('send', (performance.now() - t0).toFixed(1), 'ms')
  t.close()
}
server.close()
