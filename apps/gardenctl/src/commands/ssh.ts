import { isIP } from 'node:net';
import { Command, Option } from 'clipanion';
import { GardenctlCommand, oneOf } from '../cli/command.js';
import { type IO, paint, warn } from '../cli/io.js';
import { targetOption } from '../cli/options.js';
import { OUTPUT_FORMATS, printObject } from '../cli/print.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import type { GardenClient, KubeObject } from '../garden/client.js';
import { waitAvailable } from '../ssh/availability.js';
import { Bastions, bastionName, type Progress } from '../ssh/bastions.js';
import { checkCidrs, detectCidrOf } from '../ssh/cidr.js';
import { type BastionInfo, connectInformation } from '../ssh/connect-info.js';
import { parseDuration } from '../ssh/duration.js';
import { checkBastionHost, checkBastionName, checkModes, checkPort } from '../ssh/flags.js';
import { nodeEndpoint, pickNode, type ShootNode, shootNodes } from '../ssh/nodes.js';
import { every, interruptible, sshSession } from '../ssh/session.js';
import { checkUser, printable } from '../ssh/untrusted.js';
import {
  type BastionEndpoint,
  type KeyPair,
  type NodeEndpoint,
  SshWorkspace,
  userKeyFiles,
} from '../ssh/workspace.js';
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
 * the nodes; with --interactive=false it prints how to connect and holds the bastion until Ctrl-C
 * (with --keep-bastion --no-keepalive it returns at once and leaves bastion and keys).
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
Without NODE it lists the shoot's nodes.

With --interactive=false it prints how to connect (-o json|yaml: the connection information) and
keeps the bastion alive until Ctrl-C; add --keep-bastion --no-keepalive to return at once and leave
it. --bastion-name reuses a bastion made earlier with the same key pair.`,
    examples: [
      ['list the nodes of the targeted shoot', 'gardenctl ssh'],
      ['open a shell on one of them', 'gardenctl ssh shoot--dev--demo-pool-a-z1-5f7c9-x2v4q'],
      [
        'only print the ssh command (the bastion and keys stay; the bastion expires an hour later)',
        'gardenctl ssh NODE --interactive=false --keep-bastion --no-keepalive',
      ],
      [
        'create the bastion and output the connection information in JSON format',
        'gardenctl ssh --no-keepalive --keep-bastion --interactive=false --output json',
      ],
      [
        'reuse a previously created bastion',
        'gardenctl ssh NODE --keep-bastion --bastion-name cli-xxxxxxxx --public-key-file KEY.pub --private-key-file KEY',
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
      'open the SSH session (default true); with --interactive=false print how to connect, and keep the bastion alive until Ctrl-C',
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

  bastionName = Option.String('--bastion-name', {
    description:
      "Name of the bastion. If a bastion with this name doesn't exist, it will be created. If it does exist, the provided public SSH key must match the one used during the bastion's creation.",
  });
  bastionHost = Option.String('--bastion-host', {
    description:
      'Override the hostname or IP address of the bastion used for the SSH client command. If not provided, the address will be automatically determined.',
  });
  bastionPort = Option.String('--bastion-port', '22', {
    description: 'SSH port of the bastion used for the SSH client command. Defaults to port 22',
  });
  noKeepalive = Option.Boolean('--no-keepalive', false, {
    description:
      'Exit after the bastion host became available without keeping the bastion alive or establishing an SSH connection. Requires --interactive=false and --keep-bastion',
  });
  skipAvailabilityCheck = Option.Boolean('--skip-availability-check', false, {
    description: 'Skip checking for SSH bastion host availability (that it answers as an SSH server).',
  });
  output = Option.String('-o,--output', {
    description: "One of 'yaml' or 'json': print the connection information (with --interactive=false)",
    validator: oneOf(OUTPUT_FORMATS),
  });
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  /** `--wait-timeout` in milliseconds */
  private waitTimeoutMs = 0;
  /** `--bastion-port` */
  private port = 22;
  /** the key pair given, read and checked; else a temporary one is made */
  private keyFiles: KeyPair | undefined;

  protected override async complete(): Promise<void> {
    this.user ||= 'gardener';
    // as gardenctl-v2 without NODE: printing connection information, or not keeping the bastion
    // alive, means a bastion for all nodes (without those, the nodes are listed)
    if (!this.node && (this.output || this.noKeepalive)) this.interactive = false;
  }

  protected override validate(): void {
    this.keyFiles = userKeyFiles(this.publicKeyFile, this.privateKeyFile, process.cwd());
    if (this.cidr?.length) this.cidr = checkCidrs(this.cidr);
    this.waitTimeoutMs = parseDuration(this.waitTimeout, 'wait-timeout');
    checkUser(this.user);
    this.port = checkPort(this.bastionPort);
    if (this.bastionName) checkBastionName(this.bastionName);
    if (this.bastionHost) this.bastionHost = checkBastionHost(this.bastionHost);
    checkModes(this);
  }

  protected override async run(): Promise<void> {
    const t = await targetedShoot(this);
    const nodes = await shootNodes(t.m, t.resolved);
    if (!this.node && this.interactive) return printNodes(this.io, nodes, t.shoot.metadata.name);
    const picked = this.node ? pickNode(nodes, this.node, t.shoot.metadata.name) : undefined;
    // checked before anything is made: a node that publishes what it should not gets no bastion
    const targets = (
      picked ? [picked] : nodes.filter((n): n is ShootNode & { ip: string } => Boolean(n.ip))
    ).map(nodeEndpoint);
    const cidrs = this.cidr?.length ? this.cidr : [await detectCidrOf(t.shoot)];
    const nodeKey = await shootPrivateKey(t.client, t.namespace, t.shoot.metadata.name);
    const run: SshRun = {
      t,
      bastions: new Bastions(t.client, t.namespace),
      interrupt: interruptible(),
      workspace: SshWorkspace.create(t.m.sessionDir),
      keep: this.keepBastion,
    };
    try {
      await this.connect(run, { nodes, picked, targets, cidrs, nodeKey });
    } catch (error) {
      throw run.interrupt.signal.aborted ? run.interrupt.signal.reason : error;
    } finally {
      await cleanUp(this.io, run);
      run.interrupt.release();
    }
  }

  /** The bastion, made or reused and usable, then ssh (interactive) or the connection information. */
  private async connect(run: SshRun, plan: SshPlan): Promise<void> {
    const key = this.keyFiles ?? (await run.workspace.generateKeyPair());
    const name = await this.acquireBastion(run, key, plan.cidrs);
    const { bastion, published } = await this.waitUsable(run, name);
    const identities = {
      bastionKey: key.privateKey,
      nodeKey: run.workspace.writeNodeKey(plan.nodeKey),
      user: this.user,
    };
    run.workspace.writeConfig(identities, bastion, plan.targets);
    warnUnpublishedHostKeys(this.io, bastion.hostKeys.length === 0, plan.targets);
    if (this.interactive) return this.session(run, name);
    if (this.output) {
      const info = connectInformation({
        bastion: this.bastionInfo(run, name, { ...bastion, published }, key),
        node: plan.picked,
        nodes: plan.nodes,
        nodeKeyFile: identities.nodeKey,
        knownHostsFile: run.workspace.knownHostsFile,
        user: this.user,
        sshConfigFile: run.workspace.configFile,
      });
      await printObject(this.io, info, this.output);
    } else printCommands(this.io, run.workspace, name, run.t.namespace, plan.targets, !this.noKeepalive);
    if (!this.noKeepalive) await this.holdBastion(run, name);
  }

  /** `cli-<random>`, or `--bastion-name` (made, or reused when it is this shoot's and this key's). */
  private async acquireBastion(run: SshRun, key: KeyPair, cidrs: readonly string[]): Promise<string> {
    const name = this.bastionName ?? bastionName();
    const shoot = run.t.shoot.metadata.name;
    const request = { name, shoot, sshPublicKey: key.publicKey, cidrs, keepalive: !this.noKeepalive };
    let how: 'created' | 'reused' = 'created';
    if (this.bastionName) how = await run.bastions.createOrReuse(request);
    else await run.bastions.create(request);
    run.created = name;
    const verb = how === 'created' ? 'Creating' : 'Reusing';
    this.io.err.write(`${verb} bastion ${name} for shoot ${shoot}, accepting SSH from ${cidrs.join(', ')}\n`);
    return name;
  }

  /** Ready in the API, then (unless skipped) answering SSH at the address and port ssh will use. */
  private async waitUsable(
    run: SshRun,
    name: string,
  ): Promise<{ bastion: BastionEndpoint; published: string }> {
    const deadline = Date.now() + this.waitTimeoutMs;
    const progress = progressOn(this.io, name);
    const ready = await run.bastions.waitReady(name, this.waitTimeoutMs, progress, run.interrupt.signal);
    const bastion = { ...ready, ip: this.bastionHost ?? ready.ip, port: this.port };
    if (!this.skipAvailabilityCheck)
      await waitAvailable(
        { name, host: bastion.ip, port: this.port },
        deadline,
        progress,
        run.interrupt.signal,
      );
    this.io.err.write(
      `${clearLine(this.io)}${paint(this.io.errColour, 'green', 'Bastion')} ${name} is ready at ${bastion.ip}${this.port === 22 ? '' : ` port ${this.port}`}\n`,
    );
    return { bastion, published: ready.ip };
  }

  /** The system ssh through the bastion, kept alive meanwhile. */
  private async session(run: SshRun, name: string): Promise<void> {
    const stop = this.keepalive(run, name);
    let status: number;
    try {
      // `--`: the destination is never an option, whatever its name
      status = await sshSession(
        ['-F', run.workspace.configFile, '--', this.node ?? ''],
        run.interrupt.signal,
      );
    } finally {
      stop();
    }
    if (run.interrupt.signal.aborted) throw run.interrupt.signal.reason;
    if (status !== 0) throw new GardenctlError(GardenctlErrorCode.Ssh, `ssh exited with status ${status}`);
  }

  /** gardenctl-v2 without --no-keepalive: the bastion is kept alive until Ctrl-C, then removed (unless --keep-bastion). */
  private async holdBastion(run: SshRun, name: string): Promise<void> {
    const stop = this.keepalive(run, name);
    this.io.err.write('> Press Ctrl-C to stop gardenctl, after which the bastion will be removed.\n');
    const { signal } = run.interrupt;
    // a signal handler alone does not keep Node running: this timer does, until Ctrl-C
    const hold = setInterval(() => undefined, KEEPALIVE_MS);
    if (!signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(hold);
    stop();
  }

  private keepalive(run: SshRun, name: string): () => void {
    if (this.noKeepalive) return () => undefined;
    return every(
      KEEPALIVE_MS,
      () => run.bastions.keepalive(name),
      (error) => warn(this.io, `keepalive of bastion ${name} failed: ${error.message}`),
    );
  }

  /** `preferredAddress` is --bastion-host, else what the bastion published (its ip or hostname). */
  private bastionInfo(
    run: SshRun,
    name: string,
    bastion: BastionEndpoint & { published: string },
    key: KeyPair,
  ): BastionInfo {
    const publishedIp = isIP(bastion.published) !== 0;
    return {
      name,
      namespace: run.t.namespace,
      preferredAddress: bastion.ip,
      port: String(this.port),
      hostname: publishedIp ? '' : bastion.published,
      ip: publishedIp ? bastion.published : '',
      publicKeyFile: key.publicKeyFile,
      privateKeyFile: key.privateKey,
      userKnownHostsFiles: [run.workspace.knownHostsFile],
      strictHostKeyChecking: bastion.hostKeys.length > 0 ? 'yes' : 'accept-new',
    };
  }
}

/** One `gardenctl ssh` in progress: what it made, and what it must remove. */
interface SshRun {
  readonly t: ShootTarget;
  readonly bastions: Bastions;
  readonly interrupt: { signal: AbortSignal; release(): void };
  readonly workspace: SshWorkspace;
  readonly keep: boolean;
  /** the bastion this run made or took over (deleted at the end unless kept) */
  created?: string;
}

interface SshPlan {
  readonly nodes: readonly ShootNode[];
  readonly picked: (ShootNode & { ip: string }) | undefined;
  readonly targets: readonly NodeEndpoint[];
  readonly cidrs: readonly string[];
  readonly nodeKey: string;
}

async function cleanUp(
  io: IO,
  state: { bastions: Bastions; created?: string | undefined; keep: boolean; workspace: SshWorkspace },
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

/** The ssh commands; how long the bastion lives depends on whether gardenctl keeps it alive. */
function printCommands(
  io: IO,
  workspace: SshWorkspace,
  bastion: string,
  namespace: string,
  nodes: readonly NodeEndpoint[],
  keptAlive: boolean,
): void {
  const them = `the command${nodes.length === 1 ? '' : 's'} below`;
  io.err.write(
    keptAlive
      ? `Connect through bastion ${bastion} with ${them}, in another terminal, while gardenctl keeps it alive\n`
      : `Connect through bastion ${bastion} with ${them}. It expires an hour after the last keepalive:\n` +
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
