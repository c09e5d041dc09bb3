import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { type IO, paint, warn } from '../cli/io.js';
import { targetOption } from '../cli/options.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import type { GardenClient, KubeObject } from '../garden/client.js';
import { Bastions, bastionName, type Progress } from '../ssh/bastions.js';
import { checkCidrs, detectCidrOf } from '../ssh/cidr.js';
import { parseDuration } from '../ssh/duration.js';
import { nodeEndpoint, pickNode, type ShootNode, shootNodes } from '../ssh/nodes.js';
import { every, interruptible, sshSession } from '../ssh/session.js';
import { checkUser, printable } from '../ssh/untrusted.js';
import { type NodeEndpoint, SshWorkspace, userKeyFiles } from '../ssh/workspace.js';
import {
  noGardenTargeted,
  noShootTargeted,
  type ResolvedTarget,
  type TargetManager,
} from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** gardenctl-v2's keepalive period: well inside the bastion's hour */
const KEEPALIVE_MS = 3 * 60 * 1000;
const DEFAULT_WAIT = '10m';

interface ShootTarget {
  readonly m: TargetManager;
  readonly resolved: ResolvedTarget;
  readonly client: GardenClient;
  readonly namespace: string;
  readonly shoot: KubeObject;
}

async function targetedShoot(command: SshCommand): Promise<ShootTarget> {
  const m = await manager(command);
  const target = await m.current(targetFlags(command));
  if (!target.garden) throw noGardenTargeted(m.config);
  if (!target.shoot) throw noShootTargeted();
  const resolved = await m.resolve(target);
  if (!resolved.shoot || !resolved.namespace) throw noShootTargeted();
  const client = await m.client(resolved.target.garden ?? '');
  return { m, resolved, client, namespace: resolved.namespace, shoot: resolved.shoot };
}

/**
 * `gardenctl ssh [NODE]`: a Bastion `cli-<random>` for the caller's address and a key pair, then
 * the system ssh to the node through it (ProxyJump), host keys checked; bastion and temporary
 * keys go when ssh ends or gardenctl is interrupted, unless --keep-bastion. Without NODE it lists
 * the nodes; with --interactive=false it prints the ssh commands and leaves bastion and keys.
 */
export class SshCommand extends GardenctlCommand {
  static override paths = [['ssh']];
  static override usage = Command.Usage({
    description: 'Establish an SSH connection to a node of the targeted shoot through a bastion',
    details: `Establish an SSH connection to a node of the targeted shoot through a bastion.

gardenctl creates a Bastion (cli-<random>) that accepts SSH only from your address (--cidr, else
detected) and only with a key pair (temporary, or --public-key-file/--private-key-file), waits for
it, then runs ssh to the node as user gardener with the bastion as ProxyJump, checking the host
keys the bastion and the node published. While connected it keeps the bastion alive; when ssh
ends, or gardenctl is interrupted, bastion and temporary keys are removed (unless --keep-bastion).
Without NODE it lists the shoot's nodes.`,
    examples: [
      ['list the nodes of the targeted shoot', 'gardenctl ssh'],
      ['open a shell on one of them', 'gardenctl ssh shoot--dev--demo-pool-a-z1-5f7c9-x2v4q'],
      [
        'only print the ssh command (the bastion and keys stay; the bastion expires an hour later)',
        'gardenctl ssh NODE --interactive=false',
      ],
    ],
  });

  node = Option.String({ name: 'node', required: false });
  cidr = Option.Array('--cidr', {
    description:
      "CIDR to allow access to the bastion from; repeat for more (default: the address this machine reaches the shoot's nodes from)",
  });
  interactive = Option.Boolean('--interactive', true, {
    description:
      'open the SSH session (default true); with --interactive=false print the ssh command and leave the bastion',
  });
  keepBastion = Option.Boolean('--keep-bastion', false, {
    description: 'do not delete the bastion (nor its temporary keys) when gardenctl exits',
  });
  publicKeyFile = Option.String('--public-key-file', {
    description: 'your public SSH key for the bastion (default: a temporary ed25519 key pair)',
  });
  privateKeyFile = Option.String('--private-key-file', {
    description: 'the private key of --public-key-file',
  });
  waitTimeout = Option.String('--wait-timeout', DEFAULT_WAIT, {
    description: 'how long to wait for the bastion to become ready (default 10m)',
  });
  user = Option.String('--user', 'gardener', {
    description: 'user to log in as on the node (default "gardener")',
  });
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  /** `--wait-timeout` in milliseconds */
  private waitTimeoutMs = 0;
  /** the key pair given, read and checked; else a temporary one is made */
  private keyFiles: { privateKey: string; publicKey: string } | undefined;

  protected override async complete(): Promise<void> {
    this.user ||= 'gardener';
  }

  protected override validate(): void {
    this.keyFiles = userKeyFiles(this.publicKeyFile, this.privateKeyFile, process.cwd());
    if (this.cidr?.length) this.cidr = checkCidrs(this.cidr);
    this.waitTimeoutMs = parseDuration(this.waitTimeout, 'wait-timeout');
    checkUser(this.user);
  }

  protected override async run(): Promise<void> {
    const { io } = this;
    const t = await targetedShoot(this);
    const shootName = t.shoot.metadata.name;
    const nodes = await shootNodes(t.m, t.resolved);
    if (!this.node && this.interactive) return printNodes(io, nodes, shootName);
    // checked before anything is made: a node that publishes what it should not gets no bastion
    const targets: NodeEndpoint[] = (
      this.node
        ? [pickNode(nodes, this.node, shootName)]
        : nodes.filter((n): n is ShootNode & { ip: string } => Boolean(n.ip))
    ).map(nodeEndpoint);
    const cidrs = this.cidr?.length ? this.cidr : [await detectCidrOf(t.shoot)];
    const nodeKey = await shootPrivateKey(t.client, t.namespace, shootName);
    const bastions = new Bastions(t.client, t.namespace);
    const interrupt = interruptible();
    const workspace = SshWorkspace.create(t.m.sessionDir);
    let created: string | undefined;
    let keep = this.keepBastion;
    try {
      const key = this.keyFiles ?? (await workspace.generateKeyPair());
      const name = bastionName();
      await bastions.create(name, shootName, key.publicKey, cidrs);
      created = name;
      io.err.write(
        `Creating bastion ${name} for shoot ${shootName}, accepting SSH from ${cidrs.join(', ')}\n`,
      );
      const bastion = await bastions.waitReady(
        name,
        this.waitTimeoutMs,
        progressOn(io, created),
        interrupt.signal,
      );
      io.err.write(
        `${clearLine(io)}${paint(io.errColour, 'green', 'Bastion')} ${name} is ready at ${bastion.ip}\n`,
      );
      const identities = {
        bastionKey: key.privateKey,
        nodeKey: workspace.writeNodeKey(nodeKey),
        user: this.user,
      };
      workspace.writeConfig(identities, bastion, targets);
      warnUnpublishedHostKeys(io, bastion.hostKeys.length === 0, targets);
      if (!this.interactive) {
        keep = true;
        return printCommands(io, workspace, name, t.namespace, targets);
      }
      const stopKeepalive = every(
        KEEPALIVE_MS,
        () => bastions.keepalive(name),
        (error) => warn(io, `keepalive of bastion ${name} failed: ${error.message}`),
      );
      let status: number;
      try {
        // `--`: the destination is never an option, whatever its name
        status = await sshSession(['-F', workspace.configFile, '--', this.node ?? ''], interrupt.signal);
      } finally {
        stopKeepalive();
      }
      if (interrupt.signal.aborted) throw interrupt.signal.reason;
      if (status !== 0) throw new GardenctlError(GardenctlErrorCode.Ssh, `ssh exited with status ${status}`);
    } catch (error) {
      throw interrupt.signal.aborted ? interrupt.signal.reason : error;
    } finally {
      await cleanUp(io, { bastions, created, keep, workspace });
      interrupt.release();
    }
  }
}

async function cleanUp(
  io: IO,
  state: { bastions: Bastions; created: string | undefined; keep: boolean; workspace: SshWorkspace },
): Promise<void> {
  const { bastions, created, keep, workspace } = state;
  if (keep) {
    if (created) io.err.write(`Bastion ${created} and the files in ${workspace.dir} are kept\n`);
    return;
  }
  if (created) {
    await bastions
      .delete(created)
      .then(() => io.err.write(`Deleted bastion ${created}\n`))
      .catch((error: Error) =>
        warn(
          io,
          `bastion ${created} could not be deleted (${error.message}); it expires on its own within an hour`,
        ),
      );
  }
  workspace.remove();
}

async function shootPrivateKey(client: GardenClient, namespace: string, shoot: string): Promise<string> {
  const secret = await client.get<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${encodeURIComponent(`${shoot}.ssh-keypair`)}`,
  );
  const encoded = secret?.data?.id_ed25519 ?? secret?.data?.id_rsa;
  if (!encoded) {
    throw new GardenctlError(
      GardenctlErrorCode.NotFound,
      `shoot "${shoot}" has no SSH key pair yet (secret ${shoot}.ssh-keypair)`,
      'wait until the shoot is created (gardenctl target shoot shows its state), then try again',
    );
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

function printNodes(io: IO, nodes: readonly ShootNode[], shoot: string): void {
  if (nodes.length === 0) {
    io.err.write(`shoot "${shoot}" has no nodes yet\n`);
    return;
  }
  const rows = [
    ['NAME', 'INTERNAL-IP', 'READY'],
    ...nodes.map((n) => [
      shown(n.name),
      n.ip ? shown(n.ip) : '<none>',
      n.ready === undefined ? 'Unknown' : String(n.ready),
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const row of rows)
    io.out.write(
      `${row
        .map((cell, i) => cell.padEnd((widths[i] ?? 0) + 3))
        .join('')
        .trimEnd()}\n`,
    );
  io.err.write('Connect to one with: gardenctl ssh NODE\n');
}

function printCommands(
  io: IO,
  workspace: SshWorkspace,
  bastion: string,
  namespace: string,
  nodes: readonly NodeEndpoint[],
): void {
  io.err.write(
    `Connect through bastion ${bastion} with the command${nodes.length === 1 ? '' : 's'} below. It expires an hour after the last keepalive:\n` +
      `  kubectl annotate bastion ${bastion} -n ${namespace} gardener.cloud/operation=keepalive --overwrite\n` +
      `Delete it (and ${workspace.dir}) when done:\n  kubectl delete bastion ${bastion} -n ${namespace}\n`,
  );
  for (const node of nodes) io.out.write(`ssh -F ${shellQuote(workspace.configFile)} ${node.name}\n`);
}

function warnUnpublishedHostKeys(io: IO, bastionUnpublished: boolean, nodes: readonly NodeEndpoint[]): void {
  const unknown = [
    ...(bastionUnpublished ? ['the bastion'] : []),
    ...nodes.filter((n) => n.hostKeys.length === 0).map((n) => `node ${n.name}`),
  ];
  if (unknown.length === 0) return;
  warn(
    io,
    `${unknown.join(', ')} published no SSH host key: its key is trusted on first use (for this session only)`,
  );
}

const isTerminal = (io: IO) => (io.err as NodeJS.WriteStream).isTTY === true;

/** ends a progress line on a terminal */
function clearLine(io: IO): string {
  return isTerminal(io) ? '\r\u001b[2K' : '';
}

function progressOn(io: IO, name: string): Progress {
  const tty = isTerminal(io);
  const frames = '|/-\\';
  let frame = 0;
  let lastLine = '';
  let lastAt = 0;
  return ({ elapsedMs, message }) => {
    const seconds = Math.round(elapsedMs / 1000);
    const line = `Waiting for bastion ${name} to be ready (${seconds}s): ${message}`;
    if (tty) {
      io.err.write(`\r\u001b[2K${frames[frame++ % frames.length]} ${line}`);
      return;
    }
    // without a terminal: a line when something changes, else every 15 s
    if (message !== lastLine || elapsedMs - lastAt >= 15_000) {
      io.err.write(`${line}\n`);
      lastLine = message;
      lastAt = elapsedMs;
    }
  };
}

/** names and addresses from the shoot reach the terminal as they are only when printable and plain */
function shown(text: string): string {
  return /^[\w.:-]+$/.test(text) ? text : printable(text);
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
