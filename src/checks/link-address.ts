import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address is one on the public internet, the only kind the link checker asks by
 * default. Everything else (this computer, private networks, link-local cloud metadata at
 * 169.254.169.254, carrier-grade NAT, multicast, documentation and reserved ranges) is where a
 * request made for content could reach what that content's author cannot.
 *
 * IPv4 comes straight from ipaddr.js's table of special ranges: only `unicast` is public. IPv6 must
 * also be in 2000::/3, the only block handed out for global unicast, which leaves out the
 * deprecated IPv4-compatible `::a.b.c.d` and the local-use NAT64 prefix; and an IPv6 address that
 * carries an IPv4 one (mapped, NAT64, 6to4) is as public as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  // Not an address at all: nothing to allow.
  if (!isIP(address.split('%')[0]!)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed instanceof ipaddr.IPv4) return parsed.range() === 'unicast';
  const embedded = embeddedIPv4(parsed);
  if (embedded) return embedded.range() === 'unicast';
  return parsed.range() === 'unicast' && parsed.match(GLOBAL_UNICAST);
}

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** The IPv4 address an IPv6 one stands for, where the IPv6 one only carries it. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const bytes = address.toByteArray();
  // ::ffff:a.b.c.d, ::ffff:0:a.b.c.d (RFC 6145) and 64:ff9b::a.b.c.d (NAT64, RFC 6052): the last 32 bits.
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052')
    return new ipaddr.IPv4(bytes.slice(12, 16));
  // 2002:AABB:CCDD::/48 (6to4, RFC 3056): bits 16 to 48.
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

/**
 * The IP address a URL's host names directly, or `undefined` for a host name. Takes the host as
 * the WHATWG URL parser leaves it, which has already turned `2130706433`, `0x7f000001`, `127.1`
 * and `0177.0.0.1` into `127.0.0.1`, and wraps IPv6 in brackets.
 */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}
