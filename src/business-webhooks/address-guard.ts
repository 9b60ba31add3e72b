import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a business's webhook URL may reach (SSRF). A URL a business gives is an address
 * the gateway will call from inside its own network, so only public unicast addresses are allowed:
 * never loopback, private (RFC 1918, IPv6 unique local), link-local (cloud metadata lives at
 * 169.254.169.254), multicast, carrier-grade NAT, unspecified, broadcast or reserved ranges, in
 * IPv4 or IPv6. An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it
 * is; IPv6 addresses that embed or tunnel to IPv4 (NAT64, 6to4, Teredo) and anything outside
 * global unicast (2000::/3) are refused, since what they reach cannot be judged from here.
 *
 * The check runs when an endpoint is saved, and again on every attempt against the address the
 * connection is actually made to (see `guardedLookup`): a name that resolved to a public address
 * when it was saved and to 127.0.0.1 now (DNS rebinding) is refused then.
 */

/** Why an address is refused (ipaddr.js's name of its range), or null when it may be called. */
export function refusedRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // IPv4-mapped IPv6 becomes the IPv4 address it carries
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range !== 'unicast') return range;
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) return 'not global unicast';
  return null;
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/** The request was not made: the host is, or resolved to, an address the gateway refuses to call. */
export class AddressRefused extends Error {
  readonly code = 'EADDRREFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(host === address ? `refused address ${address} (${range})` : `refused address ${address} (${range}) for ${host}`);
    this.name = 'AddressRefused';
  }
}

/** The host of a URL as it is connected to: without the brackets of an IPv6 literal. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Resolves `host` once and checks every address it gives: the first refused one is the answer
 * (a name mixing a public and a private address is refused: which one a connection uses is not
 * ours to choose). An IP literal is checked as it is.
 */
export async function checkHost(host: string): Promise<{ ok: true; addresses: string[] } | { ok: false; reason: string }> {
  if (isIP(host)) {
    const range = refusedRange(host);
    return range ? { ok: false, reason: new AddressRefused(host, host, range).message } : { ok: true, addresses: [host] };
  }
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
      dnsLookup(host, { all: true, verbatim: true }, (err, found) => (err ? reject(err) : resolve(found))),
    );
  } catch (err) {
    return { ok: false, reason: `the host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})` };
  }
  for (const a of addresses) {
    const range = refusedRange(a.address);
    if (range) return { ok: false, reason: new AddressRefused(host, a.address, range).message };
  }
  return { ok: true, addresses: addresses.map((a) => a.address) };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request: the name is resolved once, every address checked, and the
 * connection made to exactly the addresses checked, so a second resolution cannot swap in another
 * (DNS rebinding). Node skips `lookup` for IP literals; callers check those with `refusedRange`.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, []);
    for (const a of addresses) {
      const range = refusedRange(a.address);
      if (range) return callback(new AddressRefused(hostname, a.address, range) as NodeJS.ErrnoException, []);
    }
    if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}
