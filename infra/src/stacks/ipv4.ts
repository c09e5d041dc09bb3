export interface Ipv4Cidr {
  /** normalised `a.b.c.d/p` with the host bits cleared */
  readonly cidr: string;
  readonly network: number;
  readonly prefix: number;
}

export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 30) {
    throw new Error(`"${text}" is not an IPv4 CIDR with room for hosts (prefix at most /30)`);
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  return { cidr: `${formatIpv4(network)}/${prefix}`, network, prefix };
}

export function firstHostAddress(cidr: Ipv4Cidr): string {
  return formatIpv4(cidr.network + 1);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
