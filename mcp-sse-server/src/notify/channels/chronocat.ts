/** Chronocat (QQNT, Red protocol): one request per user or group id, all of which must succeed. */
import { defineChannel, joined } from '../channel.js'
import { baseOf, deliver, status2xx } from '../http.js'

export interface ChronocatPeer {
  chatType: 1 | 2
  peerUin: string
  label: string
}

/** CHRONOCAT_QQ: "user_id=1;group_id=2;…". */
export function chronocatPeers(spec: string): ChronocatPeer[] {
  const peers: ChronocatPeer[] = []
  for (const part of spec.split(/[;；\n]/)) {
    const m = /^\s*(user_id|group_id)\s*=\s*(\d+)\s*$/.exec(part)
    if (m) peers.push({ chatType: m[1] === 'user_id' ? 1 : 2, peerUin: m[2], label: `${m[1]}=${m[2]}` })
  }
  return peers
}

export default defineChannel({
  id: 'chronocat',
  name: 'Chronocat (QQ)',
  variables: {
    CHRONOCAT_URL: { required: true, secret: true, endpoint: true, example: 'http://127.0.0.1:16530' },
    CHRONOCAT_TOKEN: { required: true, secret: true, example: 'chrono-token-1234' },
    CHRONOCAT_QQ: { required: true, secret: true, example: 'user_id=10001;group_id=20002' },
  },
  successRule: 'HTTP 2xx for every id',
  async send({ title, content }, ctx) {
    const peers = chronocatPeers(ctx.env.CHRONOCAT_QQ!)
    if (!peers.length) return { ok: false, error: 'CHRONOCAT_QQ holds no "user_id=N" or "group_id=N"' }
    const url = `${baseOf(ctx.env.CHRONOCAT_URL, '')}/api/message/send`
    const headers = { Authorization: `Bearer ${ctx.env.CHRONOCAT_TOKEN}` }
    const outcomes = await Promise.all(
      peers.map((p) =>
        deliver(
          {
            url,
            headers,
            json: {
              peer: { chatType: p.chatType, peerUin: p.peerUin },
              elements: [{ elementType: 1, textElement: { content: joined(title, content) } }],
            },
          },
          ctx,
          status2xx,
        ),
      ),
    )
    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [`${peers[i].label}: ${o.error}`]))
    const status = outcomes.find((o) => !o.ok)?.status ?? outcomes[0].status
    return failed.length ? { ok: false, status, error: failed.join('; ') } : { ok: true, status }
  },
})
