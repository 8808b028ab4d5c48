import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Loopback, private, link-local, shared, multicast and reserved ranges: nothing a webhook may reach. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is on the public internet (an IPv4-mapped IPv6 address is judged as IPv4). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && /^::ffff:/i.test(address)) return false; // mapped in hex form
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** A destination refused before any connection is made. */
export class DestinationNotAllowedError extends Error {
  constructor(
    message: string,
    /** `private`: a non-public address; `unresolved`: the name has no address now. */
    readonly reason: 'private' | 'unresolved' = 'private',
  ) {
    super(message);
    this.name = 'DestinationNotAllowedError';
  }
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Shape rules for an endpoint URL; returns what is wrong, or undefined. http(s) only, no
 * credentials, and (unless private destinations are allowed) no host that names a non-public place
 * by itself: an IP literal of such a range or `localhost`.
 */
export function urlProblem(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must use http or https';
  if (url.username || url.password) return 'url must not contain credentials';
  if (!url.hostname) return 'url must name a host';
  if (allowPrivate) return undefined;
  const host = hostOf(url).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'url must not point to a loopback, private or link-local address';
  if (isIP(host) && !isPublicAddress(host)) return 'url must not point to a loopback, private or link-local address';
  return undefined;
}

/**
 * The one address a delivery will connect to: the host resolved now, and refused when any of its
 * addresses is not public. The connection then goes to this very address, so a name that resolves
 * differently a moment later (DNS rebinding) cannot redirect it.
 */
export async function resolveDestination(host: string, allowPrivate: boolean, resolve: Resolver): Promise<{ address: string; family: 4 | 6 }> {
  const family = isIP(host);
  if (family) {
    if (!allowPrivate && !isPublicAddress(host)) throw new DestinationNotAllowedError('destination is a loopback, private or link-local address');
    return { address: host, family: family as 4 | 6 };
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await resolve(host);
  } catch {
    throw new DestinationNotAllowedError('host name does not resolve', 'unresolved');
  }
  if (!addresses.length) throw new DestinationNotAllowedError('host name does not resolve', 'unresolved');
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) {
    throw new DestinationNotAllowedError('host resolves to a loopback, private or link-local address');
  }
  return { address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}
