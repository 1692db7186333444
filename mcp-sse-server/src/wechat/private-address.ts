/**
 * Which IP addresses a file link may not reach unless the user opts in (WECHAT_FILE_ALLOW_PRIVATE_URLS): this
 * machine (loopback, and every address of its own interfaces whatever its range), the local network, link-local (cloud metadata at 169.254.169.254 included), carrier-grade NAT,
 * unspecified, multicast and reserved ranges, in IPv4 and IPv6 and in the IPv6 forms that carry an IPv4 address
 * (mapped, translated, compatible, NAT64 and local-use NAT64, 6to4, Teredo).
 */
import { isIPv4, isIPv6 } from 'node:net'
import { networkInterfaces } from 'node:os'

/** [network, prefix length] */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 (reaches this machine)
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0)
}

const V4_RANGES = PRIVATE_V4.map(([base, bits]) => {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return { net: (v4ToInt(base) & mask) >>> 0, mask }
})

function isPrivateV4(ip: string): boolean {
  const n = v4ToInt(ip)
  return V4_RANGES.some(({ net, mask }) => ((n & mask) >>> 0) === net)
}

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 part becomes two groups). */
function v6Groups(ip: string): number[] {
  let text = ip
  const tail: number[] = []
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const n = v4ToInt(dotted[1])
    tail.push(Math.floor(n / 65536), n % 65536)
    text = text.slice(0, -dotted[1].length)
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1)
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined]
  const parse = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const left = parse(head)
  const right = [...parse(rest ?? ''), ...tail]
  // Only `::` leaves groups out, and net.isIPv6 has already checked the address is well formed.
  return [...left, ...Array<number>(Math.max(8 - left.length - right.length, 0)).fill(0), ...right]
}

/** The dotted IPv4 address held by two 16-bit groups. */
function v4Of(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
}

function isPrivateV6(ip: string): boolean {
  const g = v6Groups(ip)
  const v4 = () => v4Of(g[6], g[7])
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 8)) return true // :: unspecified
  if (zeros(0, 7) && g[7] === 1) return true // ::1 loopback
  if (zeros(0, 5) && g[5] === 0xffff) return isPrivateV4(v4()) // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return isPrivateV4(v4()) // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765)
  if (zeros(0, 6)) return isPrivateV4(v4()) // ::a.b.c.d, IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return isPrivateV4(v4()) // 64:ff9b::/96, NAT64
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): the IPv4 address in the last 32 bits, as with a /96 NAT64 prefix
  // (the layout DNS64 deployments use; the /48–/64 layouts of RFC 6052 are not decoded).
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return isPrivateV4(v4())
  if (g[0] === 0x2002) return isPrivateV4(v4Of(g[1], g[2])) // 2002::/16, 6to4: the IPv4 address in bits 16–47
  // 2001::/32, Teredo: the client's IPv4 address is the last 32 bits inverted; the Teredo server's (bits 32–63) is
  // checked too, as neither of them may be local.
  if (g[0] === 0x2001 && g[1] === 0) return isPrivateV4(v4Of(g[6] ^ 0xffff, g[7] ^ 0xffff)) || isPrivateV4(v4Of(g[2], g[3]))
  if ((g[0] & 0xfe00) === 0xfc00) return true // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return true // fe80::/10 link-local
  if ((g[0] & 0xffc0) === 0xfec0) return true // fec0::/10 site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true // ff00::/8 multicast
  return false
}

/** The IPv4 address an IPv6 address carries in one of the forms above (mapped, translated, NAT64, 6to4, Teredo). */
function embeddedV4(g: number[]): string[] {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 5) && g[5] === 0xffff) return [v4Of(g[6], g[7])]
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return [v4Of(g[6], g[7])]
  if (zeros(0, 6)) return [v4Of(g[6], g[7])]
  if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) return [v4Of(g[6], g[7])]
  if (g[0] === 0x2002) return [v4Of(g[1], g[2])]
  if (g[0] === 0x2001 && g[1] === 0) return [v4Of(g[6] ^ 0xffff, g[7] ^ 0xffff), v4Of(g[2], g[3])]
  return []
}

/** Every spelling-independent name of an address: IPv4 dotted, IPv6 as its eight groups, plus any IPv4 it carries. */
function addressKeys(address: string): string[] {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (isIPv4(ip)) return [ip]
  if (!isIPv6(ip)) return []
  const g = v6Groups(ip)
  return [g.map((x) => x.toString(16)).join(':'), ...embeddedV4(g)]
}

/**
 * Whether `address` is one of this machine's own (any interface, e.g. a public IP on eth0): a link to it reaches
 * the services listening here on all interfaces as surely as 127.0.0.1 does, whatever range it is in. Interfaces
 * are read at each check: addresses come and go (DHCP, VPNs, containers).
 */
export function isOwnAddress(address: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): boolean {
  const own = new Set(Object.values(interfaces).flatMap((list) => (list ?? []).flatMap((i) => addressKeys(i.address))))
  return addressKeys(address).some((key) => own.has(key))
}

/** What a file link may not reach unless WECHAT_FILE_ALLOW_PRIVATE_URLS: private and local ranges, and this machine. */
export function isRefusedByDefault(address: string): boolean {
  return isPrivateAddress(address) || isOwnAddress(address)
}

/** True for an address file links may not reach by default; also for anything that is not an IP address at all. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  if (isIPv4(ip)) return isPrivateV4(ip)
  if (isIPv6(ip)) return isPrivateV6(ip)
  return true
}
