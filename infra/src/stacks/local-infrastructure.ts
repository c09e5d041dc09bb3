import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { DataLocalCommand } from '@cdktf/provider-local/lib/data-local-command/index.js';
import { LocalProvider } from '@cdktf/provider-local/lib/provider/index.js';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key/index.js';
import { TlsProvider } from '@cdktf/provider-tls/lib/provider/index.js';
import { type Cidr, formatCidr, formatIPv4, ipv4Bytes, parseCidr } from '@gardener-ts/api';
import { DataResource, TerraformOutput, type TerraformStack } from 'cdktf';
import { MIRROR_IP, registryPort } from '../images/settings.js';
import type { StackDefinition } from '../tofu/stack-definition.js';

export interface LocalInfrastructureInput {
  /** `shoot--<project>--<name>`: names the bridge and the firewall tables */
  readonly technicalId: string;
  /** the shoot's `networking.nodes` */
  readonly nodesCidr: string;
}

export interface LocalInfrastructureOutputs {
  readonly bridgeName: string;
  readonly gatewayAddress: string;
  readonly firewallTable: string;
  readonly sshPublicKey: string;
  readonly sshPrivateKey: string;
}

/** The shoot's node network; it needs room for a gateway and hosts. */
function nodeNetwork(text: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr || cidr.prefix > 30) {
    throw new Error(`"${text}" is not an IPv4 network with room for hosts (a CIDR of prefix /30 or shorter)`);
  }
  return cidr;
}

/** The bridge's own address: the first host of the node network; machines reach the seed there. */
export function localGatewayAddress(nodesCidr: string): string {
  return formatIPv4(nodeNetwork(nodesCidr).network + 1);
}

/**
 * The MAC of an interface on a shoot's node network follows from its IPv4 address (as Docker
 * does). Neighbour caches keep an entry for tens of seconds, so an address taken over by a new
 * machine or bastion with a fresh MAC was unreachable that long; and a bridge whose MAC follows its
 * ports (the default) changes it whenever one goes, which the machines' caches of the gateway miss.
 */
export function localMacAddress(address: string): string {
  const bytes = ipv4Bytes(address);
  if (!bytes) throw new Error(`${address} is not an IPv4 address`);
  return ['02', '67', ...bytes.map((byte) => byte.toString(16).padStart(2, '0'))].join(':');
}

/** Linux interface names are at most 15 bytes, so the bridge is named by a hash of the shoot. */
export function localNetworkNames(technicalId: string): { bridge: string; table: string } {
  const hash = createHash('sha256').update(technicalId).digest('hex').slice(0, 10);
  return { bridge: `gts-${hash}`, table: `gardener_ts_${hash}` };
}

const SHELL = ['/bin/sh', '-c'];

/** The key pair's address in the stack, for rotation. */
export const SSH_KEY_RESOURCE = 'tls_private_key.ssh';

const CREATE_BRIDGE = `set -e
ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
ip link set "$BRIDGE" address "$MAC"
ip addr replace "$GATEWAY/$PREFIX" dev "$BRIDGE"
ip link set "$BRIDGE" up`;

const DELETE_BRIDGE = 'if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi';

// Only bastions may reach a node's port 22: across the bridge (the source must be a bastion) and
// from the seed host itself (the destination must be a bastion). The Bastion actuator fills the sets.
// What comes from the bridge to the seed host itself may only answer the host, ping the gateway or
// reach a socket bound to the gateway address alone (the shoot's own kube-apiserver, whose port is
// chosen later) or the image registry's read-only mirror, where nodes pull. Nothing is routed into
// or out of the shoot's network, even on a host that forwards: shoots never reach each other. \`socket wildcard 0\` leaves out services bound to 0.0.0.0, which by Linux's weak
// host model would answer on the gateway address too; other shoots listen on other addresses.
const FIREWALL_RULES = `table bridge $TABLE {
  set bastions { type ipv4_addr; }
  chain forward { type filter hook forward priority 0; ip daddr $NODES tcp dport 22 ip saddr != @bastions drop; }
}
table inet $TABLE {
  set bastions { type ipv4_addr; }
  chain output { type filter hook output priority 0; ip daddr $NODES tcp dport 22 ip daddr != @bastions drop; }
  chain forward {
    type filter hook forward priority 0;
    iifname "$BRIDGE" oifname != "$BRIDGE" drop
    oifname "$BRIDGE" iifname != "$BRIDGE" drop
  }
  chain input {
    type filter hook input priority 0;
    iifname != "$BRIDGE" accept
    ct state established,related accept
    ip daddr $GATEWAY icmp type echo-request accept
    ip daddr $GATEWAY tcp dport 1-65535 socket wildcard 0 accept
    ip daddr $MIRROR_IP tcp dport $MIRROR_PORT accept
    drop
  }
}`;

const FIREWALL_PRESENT =
  'nft list table bridge "$TABLE" >/dev/null 2>&1 && nft list table inet "$TABLE" >/dev/null 2>&1';

const DELETE_FIREWALL = `nft delete table bridge "$TABLE" 2>/dev/null || true
nft delete table inet "$TABLE" 2>/dev/null || true`;

// Recreated whole when either table is missing, so a half-deleted firewall is repaired too.
const CREATE_FIREWALL = `set -e
if ! { ${FIREWALL_PRESENT}; }; then
${DELETE_FIREWALL}
printf '%s\\n' "${FIREWALL_RULES.replaceAll('"', '\\"')}" | nft -f -
fi`;

/**
 * The local cloud's infrastructure for one shoot: its SSH key pair and its node network, a Linux
 * bridge carrying the gateway address plus nftables rules. Bridge and rules are terraform_data
 * resources with idempotent create and destroy commands; `local_command` probes report drift.
 */
export function localInfrastructureStack(
  input: LocalInfrastructureInput,
): StackDefinition<LocalInfrastructureOutputs> {
  const { bridge, table } = localNetworkNames(input.technicalId);
  const nodes = nodeNetwork(input.nodesCidr);
  const gateway = localGatewayAddress(input.nodesCidr);
  return {
    name: 'local-infrastructure',
    driftProbes: { bridge_present: 'terraform_data.bridge', firewall_present: 'terraform_data.firewall' },
    define(stack: TerraformStack) {
      new TlsProvider(stack, 'tls');
      new LocalProvider(stack, 'local');
      const key = new PrivateKey(stack, 'ssh', { algorithm: 'ED25519' });
      const bridgeResource = commandResource(stack, 'bridge', {
        input: { name: bridge, gateway, prefix: nodes.prefix },
        environment: {
          BRIDGE: bridge,
          GATEWAY: gateway,
          PREFIX: String(nodes.prefix),
          MAC: localMacAddress(gateway),
        },
        create: CREATE_BRIDGE,
        destroy: DELETE_BRIDGE,
      });
      const mirror = { ip: MIRROR_IP, port: String(registryPort()) };
      const firewall = commandResource(stack, 'firewall', {
        input: { table, nodes: formatCidr(nodes), bridge, gateway, mirror },
        environment: {
          TABLE: table,
          NODES: formatCidr(nodes),
          BRIDGE: bridge,
          GATEWAY: gateway,
          MIRROR_IP: mirror.ip,
          MIRROR_PORT: mirror.port,
        },
        create: CREATE_FIREWALL,
        destroy: DELETE_FIREWALL,
      });
      // depends_on defers each probe until after its resource's apply, so a fresh apply reads true.
      const bridgeProbe = probe(stack, 'bridge_probe', `ip link show "${bridge}"`, bridgeResource);
      const firewallProbe = probe(
        stack,
        'firewall_probe',
        FIREWALL_PRESENT.replaceAll('$TABLE', table),
        firewall,
      );
      output(stack, 'bridge_present', exitedZero(bridgeProbe));
      output(stack, 'firewall_present', exitedZero(firewallProbe));
      output(stack, 'bridge_name', bridge);
      output(stack, 'gateway_address', gateway);
      output(stack, 'firewall_table', table);
      output(stack, 'ssh_public_key', key.publicKeyOpenssh);
      new TerraformOutput(stack, 'ssh_private_key', { value: key.privateKeyOpenssh, sensitive: true });
    },
    parseOutputs(raw) {
      return {
        bridgeName: expectString(raw, 'bridge_name'),
        gatewayAddress: expectString(raw, 'gateway_address'),
        firewallTable: expectString(raw, 'firewall_table'),
        sshPublicKey: expectString(raw, 'ssh_public_key', /^ssh-ed25519 /),
        sshPrivateKey: expectString(raw, 'ssh_private_key', PEM_BLOCK),
      };
    },
  };
}

/**
 * Removes the bridge and firewall by name, whatever the state says: an apply killed after a
 * create command ran but before tofu recorded it leaves them untracked.
 */
export async function removeLocalNetwork(technicalId: string): Promise<void> {
  const { bridge, table } = localNetworkNames(technicalId);
  const run = promisify(execFile);
  await run('/bin/sh', ['-c', DELETE_BRIDGE], { env: { ...process.env, BRIDGE: bridge } });
  await run('/bin/sh', ['-c', DELETE_FIREWALL], { env: { ...process.env, TABLE: table } });
}

interface CommandResourceSpec {
  readonly input: Record<string, unknown>;
  readonly environment: Record<string, string>;
  readonly create: string;
  readonly destroy: string;
}

function commandResource(stack: TerraformStack, id: string, spec: CommandResourceSpec): DataResource {
  const { environment } = spec;
  return new DataResource(stack, id, {
    input: spec.input,
    provisioners: [
      { type: 'local-exec', interpreter: SHELL, command: spec.create, environment },
      { type: 'local-exec', when: 'destroy', interpreter: SHELL, command: spec.destroy, environment },
    ],
  });
}

function probe(stack: TerraformStack, id: string, script: string, target: DataResource): DataLocalCommand {
  return new DataLocalCommand(stack, id, {
    command: 'sh',
    arguments: ['-c', script],
    allowNonZeroExitCode: true,
    dependsOn: [target],
  });
}

/** cdktf's Op.eq renders the literal 0 as `undefined`, so the expression is written out. */
function exitedZero(command: DataLocalCommand): string {
  return `\${data.${DataLocalCommand.tfResourceType}.${command.friendlyUniqueId}.exit_code == 0}`;
}

/** A PEM-armoured block (the OpenSSH private key tls_private_key renders). */
const PEM_BLOCK = /^-----BEGIN [A-Z ]+-----\n[A-Za-z0-9+/=\n]+-----END [A-Z ]+-----\n?$/;

function output(stack: TerraformStack, name: string, value: unknown): void {
  new TerraformOutput(stack, name, { value });
}

function expectString(raw: Readonly<Record<string, unknown>>, name: string, shape?: RegExp): string {
  const value = raw[name];
  if (typeof value !== 'string' || (shape && !shape.test(value))) {
    throw new Error(`output ${name} is missing or malformed`);
  }
  return value;
}
