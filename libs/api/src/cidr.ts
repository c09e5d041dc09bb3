/** IPv4 CIDR helpers: parsing, overlap checks and carving free subnets out of a range. */

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; host bits must be zero (the canonical network address). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  if (address === undefined || prefixText === undefined || rest.length > 0) return undefined;
  if (!/^(3[0-2]|[12]?\d)$/.test(prefixText)) return undefined;
  const ip = parseIPv4(address);
  if (ip === undefined) return undefined;
  const prefix = Number(prefixText);
  if ((ip & mask(prefix)) >>> 0 !== ip) return undefined;
  return { network: ip, prefix };
}

/** Why a string is not a usable CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  if (parseCidr(text)) return undefined;
  const [address, prefixText] = text.split('/');
  const ip = address === undefined ? undefined : parseIPv4(address);
  if (ip !== undefined && prefixText !== undefined && /^(3[0-2]|[12]?\d)$/.test(prefixText)) {
    const canonical = formatCidr({
      network: (ip & mask(Number(prefixText))) >>> 0,
      prefix: Number(prefixText),
    });
    return `must be a network address (host bits zero), e.g. ${canonical}`;
  }
  return 'must be an IPv4 CIDR such as 10.0.0.0/16';
}

export function formatIPv4(ip: number): string {
  return [24, 16, 8, 0].map((shift) => (ip >>> shift) & 255).join('.');
}

/** The address `offset` hosts into a network, e.g. the tenth of a service range for cluster DNS. */
export function addressInCidr(text: string, offset: number): string {
  const cidr = parseCidr(text);
  if (!cidr || offset < 0 || offset >= 2 ** (32 - cidr.prefix)) {
    throw new Error(`${text} has no address ${offset} hosts in`);
  }
  return formatIPv4(cidr.network + offset);
}

/** Where a shoot's cluster DNS Service listens: the tenth address of its service range (as Gardener). */
export function clusterDnsAddress(serviceCidr: string): string {
  return addressInCidr(serviceCidr, 10);
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIPv4(cidr.network)}/${cidr.prefix}`;
}

function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  return (a.network & mask(shorter)) >>> 0 === (b.network & mask(shorter)) >>> 0;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrsOverlap(outer, inner);
}

/** True when two CIDR strings are both valid and overlap. */
export function overlaps(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && cidrsOverlap(x, y);
}

/**
 * The first subnet of `range` with the given prefix length that overlaps none of `taken`,
 * or undefined when the range is exhausted.
 */
export function allocateSubnet(range: string, prefix: number, taken: readonly string[]): string | undefined {
  const outer = parseCidr(range);
  if (!outer || prefix < outer.prefix || prefix > 32) return undefined;
  const used = taken.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const step = 2 ** (32 - prefix);
  for (let network = outer.network; network < outer.network + size(outer); network += step) {
    const candidate = { network, prefix };
    if (!used.some((u) => cidrsOverlap(u, candidate))) return formatCidr(candidate);
  }
  return undefined;
}
