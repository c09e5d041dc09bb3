/**
 * IPv4 addresses and CIDRs on ipaddr.js: parsing, overlap and containment, carving free subnets
 * out of a range. The one home of IP arithmetic (also `@gardener-ts/api/cidr`, which gardenctl
 * imports without the resource model).
 */
import ipaddr from 'ipaddr.js';

const { IPv4 } = ipaddr;

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
}

const NOT_A_CIDR = 'must be an IPv4 CIDR such as 10.0.0.0/16';

function toNumber(address: ipaddr.IPv4): number {
  return address.toByteArray().reduce((value, byte) => value * 256 + byte, 0);
}

function fromNumber(value: number): ipaddr.IPv4 {
  return new IPv4([24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256));
}

/** An address written as four decimal parts without leading zeros, else undefined. */
function parseAddress(text: string): ipaddr.IPv4 | undefined {
  return IPv4.isValidFourPartDecimal(text) ? IPv4.parse(text) : undefined;
}

/** `a.b.c.d/n` written canonically (no leading zeros, no spaces); host bits may be set. */
function parseNotation(text: string): [ipaddr.IPv4, number] | undefined {
  if (!IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
  const [address, prefix] = IPv4.parseCIDR(text);
  return text === `${address.toString()}/${prefix}` ? [address, prefix] : undefined;
}

export function parseIPv4(text: string): number | undefined {
  const address = parseAddress(text);
  return address && toNumber(address);
}

/** The four bytes of an IPv4 address, or undefined when `text` is not one. */
export function ipv4Bytes(text: string): number[] | undefined {
  return parseAddress(text)?.toByteArray();
}

export function formatIPv4(ip: number): string {
  return fromNumber(ip).toString();
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIPv4(cidr.network)}/${cidr.prefix}`;
}

/**
 * The network `a.b.c.d/n` lies in, written canonically (`10.10.7.1/24` → `10.10.7.0/24`), or
 * undefined when `text` is no IPv4 CIDR.
 */
export function networkOf(text: string): string | undefined {
  const parsed = parseNotation(text);
  return parsed && `${IPv4.networkAddressFromCIDR(text).toString()}/${parsed[1]}`;
}

/** Why a string is not a usable CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const network = networkOf(text);
  if (network === undefined) return NOT_A_CIDR;
  if (network !== text) return `must be a network address (host bits zero), e.g. ${network}`;
  return undefined;
}

/**
 * Parsed CIDRs by their text: admission compares a new shoot's node network with every other
 * shoot's on its seed, so the same strings are parsed over and over (they were a third of the
 * create path's CPU). Bounded; the values are immutable.
 */
const parsedCidrs = new Map<string, Cidr | undefined>();
const PARSED_CIDRS_MAX = 50_000;

/** Parses `a.b.c.d/n`; host bits must be zero (the canonical network address). */
export function parseCidr(text: string): Cidr | undefined {
  if (parsedCidrs.has(text)) return parsedCidrs.get(text);
  if (parsedCidrs.size >= PARSED_CIDRS_MAX) parsedCidrs.clear();
  const cidr = parseCanonicalCidr(text);
  parsedCidrs.set(text, cidr);
  return cidr;
}

function parseCanonicalCidr(text: string): Cidr | undefined {
  const parsed = parseNotation(text);
  if (!parsed) return undefined;
  const cidr = Object.freeze({ network: toNumber(parsed[0]), prefix: parsed[1] });
  // host bits set: not the network address (cidrProblem says which one it is)
  return cidr.network % size(cidr) === 0 ? cidr : undefined;
}

function size(cidr: { readonly prefix: number }): number {
  return 2 ** (32 - cidr.prefix);
}

/** The first `prefix` bits of an address (numbers stay exact: below 2^32, divided by a power of two). */
function leadingBits(address: number, prefix: number): number {
  return Math.floor(address / size({ prefix }));
}

/** The address `offset` hosts into a network, or undefined when the network is not that large. */
export function hostAddress(text: string, offset: number): string | undefined {
  const cidr = parseCidr(text);
  if (!cidr || !Number.isInteger(offset) || offset < 0 || offset >= size(cidr)) return undefined;
  return formatIPv4(cidr.network + offset);
}

/** The address `offset` hosts into a network, e.g. the tenth of a service range for cluster DNS. */
export function addressInCidr(text: string, offset: number): string {
  const address = hostAddress(text, offset);
  if (address === undefined) throw new Error(`${text} has no address ${offset} hosts in`);
  return address;
}

/** Where a shoot's cluster DNS Service listens: the tenth address of its service range (as Gardener). */
export function clusterDnsAddress(serviceCidr: string): string {
  return addressInCidr(serviceCidr, 10);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return leadingBits(a.network, prefix) === leadingBits(b.network, prefix);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    leadingBits(inner.network, outer.prefix) === leadingBits(outer.network, outer.prefix)
  );
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
  // address intervals [first, end): aligned networks overlap exactly when their intervals do
  const used = taken.flatMap((text) => {
    const cidr = parseCidr(text);
    return cidr ? [[cidr.network, cidr.network + size(cidr)] as const] : [];
  });
  const step = 2 ** (32 - prefix);
  for (let network = outer.network; network < outer.network + size(outer); network += step) {
    const end = network + step;
    if (!used.some(([first, last]) => first < end && network < last)) return formatCidr({ network, prefix });
  }
  return undefined;
}
