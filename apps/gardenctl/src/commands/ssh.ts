import { type IO, paint, warn } from '../cli/io.js';
import type { Handler, RunContext } from '../cli/spec.js';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';
import { CORE, type GardenClient, type KubeObject } from '../garden/client.js';
import { type BastionObject, Bastions, bastionName, type Progress } from '../ssh/bastions.js';
import { checkCidrs, detectCidr } from '../ssh/cidr.js';
import { parseDuration } from '../ssh/duration.js';
import { nodeEndpoint, pickNode, type ShootNode, shootNodes } from '../ssh/nodes.js';
import { every, interruptible, sshSession } from '../ssh/session.js';
import { checkUser, printable } from '../ssh/untrusted.js';
import { type NodeEndpoint, SshWorkspace, userKeyFiles } from '../ssh/workspace.js';
import {
  noGardenTargeted,
  noProjectTargeted,
  noShootTargeted,
  type ResolvedTarget,
  type TargetManager,
} from '../target/manager.js';
import { manager, targetFlags } from './context.js';

/** gardenctl-v2's keepalive period: well inside the bastion's hour */
const KEEPALIVE_MS = 3 * 60 * 1000;
const DEFAULT_WAIT = '10m';

interface SshOptions {
  readonly node?: string;
  readonly cidrs?: string[];
  readonly interactive: boolean;
  readonly keepBastion: boolean;
  readonly waitTimeoutMs: number;
  readonly user: string;
  readonly keyFiles?: { privateKey: string; publicKey: string };
}

function optionsOf(ctx: RunContext): SshOptions {
  const cidrs = ctx.flags.cidr as string[] | undefined;
  const keyFiles = userKeyFiles(
    ctx.flags['public-key-file'] as string | undefined,
    ctx.flags['private-key-file'] as string | undefined,
    process.cwd(),
  );
  return {
    ...(ctx.args[0] ? { node: ctx.args[0] } : {}),
    ...(cidrs?.length ? { cidrs: checkCidrs(cidrs) } : {}),
    interactive: ctx.flags.interactive !== false,
    keepBastion: ctx.flags['keep-bastion'] === true,
    waitTimeoutMs: parseDuration(
      (ctx.flags['wait-timeout'] as string | undefined) ?? DEFAULT_WAIT,
      'wait-timeout',
    ),
    user: checkUser((ctx.flags.user as string | undefined) || 'gardener'),
    ...(keyFiles ? { keyFiles } : {}),
  };
}

interface ShootTarget {
  readonly m: TargetManager;
  readonly resolved: ResolvedTarget;
  readonly client: GardenClient;
  readonly namespace: string;
  readonly shoot: KubeObject;
}

async function targetedShoot(ctx: RunContext): Promise<ShootTarget> {
  const m = await manager(ctx);
  const target = await m.current(targetFlags(ctx));
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
export const runSsh: Handler = async (ctx) => {
  const options = optionsOf(ctx);
  const t = await targetedShoot(ctx);
  const shootName = t.shoot.metadata.name;
  const nodes = await shootNodes(t.m, t.resolved);
  if (!options.node && options.interactive) return printNodes(ctx.io, nodes, shootName);
  // checked before anything is made: a node that publishes what it should not gets no bastion
  const targets: NodeEndpoint[] = (
    options.node
      ? [pickNode(nodes, options.node, shootName)]
      : nodes.filter((n): n is ShootNode & { ip: string } => Boolean(n.ip))
  ).map(nodeEndpoint);
  const cidrs = options.cidrs ?? [await detectCidr(providerOf(t.shoot), nodesCidrOf(t.shoot))];
  const nodeKey = await shootPrivateKey(t.client, t.namespace, shootName);
  const bastions = new Bastions(t.client, t.namespace);
  const interrupt = interruptible();
  const workspace = SshWorkspace.create(t.m.sessionDir);
  let created: string | undefined;
  let keep = options.keepBastion;
  try {
    const key = options.keyFiles ?? (await workspace.generateKeyPair());
    const name = bastionName();
    await bastions.create(name, shootName, key.publicKey, cidrs);
    created = name;
    ctx.io.err.write(
      `Creating bastion ${name} for shoot ${shootName}, accepting SSH from ${cidrs.join(', ')}\n`,
    );
    const bastion = await bastions.waitReady(
      name,
      options.waitTimeoutMs,
      progressOn(ctx.io, created),
      interrupt.signal,
    );
    ctx.io.err.write(
      `${clearLine(ctx.io)}${paint(ctx.io.errColour, 'green', 'Bastion')} ${name} is ready at ${bastion.ip}\n`,
    );
    const identities = {
      bastionKey: key.privateKey,
      nodeKey: workspace.writeNodeKey(nodeKey),
      user: options.user,
    };
    workspace.writeConfig(identities, bastion, targets);
    warnUnpublishedHostKeys(ctx.io, bastion.hostKeys.length === 0, targets);
    if (!options.interactive) {
      keep = true;
      return printCommands(ctx.io, workspace, name, t.namespace, targets);
    }
    const stopKeepalive = every(
      KEEPALIVE_MS,
      () => bastions.keepalive(name),
      (error) => warn(ctx.io, `keepalive of bastion ${name} failed: ${error.message}`),
    );
    let status: number;
    try {
      // `--`: the destination is never an option, whatever its name
      status = await sshSession(['-F', workspace.configFile, '--', options.node ?? ''], interrupt.signal);
    } finally {
      stopKeepalive();
    }
    if (interrupt.signal.aborted) throw interrupt.signal.reason;
    if (status !== 0) throw new GardenctlError(GardenctlErrorCode.Ssh, `ssh exited with status ${status}`);
  } catch (error) {
    throw interrupt.signal.aborted ? interrupt.signal.reason : error;
  } finally {
    await cleanUp(ctx.io, { bastions, created, keep, workspace });
    interrupt.release();
  }
};

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

/** `gardenctl ssh-patch [BASTION]`: the bastion accepts SSH from --cidr (or the detected address) from now on. */
export const runSshPatch: Handler = async (ctx) => {
  const cidrsGiven = ctx.flags.cidr as string[] | undefined;
  const m = await manager(ctx);
  const target = await m.current(targetFlags(ctx));
  if (!target.garden) throw noGardenTargeted(m.config);
  if (!target.project && !target.shoot) throw noProjectTargeted();
  const resolved = await m.resolve(target);
  const namespace = resolved.namespace ?? '';
  const client = await m.client(resolved.target.garden ?? '');
  const bastions = new Bastions(client, namespace);
  const bastion = await chooseBastion(bastions, ctx.args[0], resolved.target.shoot);
  const name = bastion.metadata.name;
  let cidrs: string[];
  if (cidrsGiven?.length) cidrs = checkCidrs(cidrsGiven);
  else {
    const shootName = bastion.spec?.shootRef?.name ?? '';
    const shoot = await client.get(`${CORE}/namespaces/${namespace}/shoots/${encodeURIComponent(shootName)}`);
    cidrs = [await detectCidr(shoot ? providerOf(shoot) : undefined, shoot ? nodesCidrOf(shoot) : undefined)];
  }
  await bastions.setIngress(name, cidrs);
  ctx.io.out.write(
    `${paint(ctx.io.outColour, 'green', 'Successfully')} patched bastion ${name}: it accepts SSH from ${cidrs.join(', ')}\n`,
  );
};

async function chooseBastion(
  bastions: Bastions,
  name: string | undefined,
  shoot: string | undefined,
): Promise<BastionObject> {
  if (name) {
    const found = await bastions.get(name);
    if (!found) {
      throw new GardenctlError(
        GardenctlErrorCode.NotFound,
        `bastion "${name}" not found`,
        "gardenctl ssh-patch without a name picks the targeted shoot's bastion",
      );
    }
    return found;
  }
  const mine = (await bastions.list()).filter(
    (b) =>
      b.metadata.name.startsWith('cli-') &&
      (!shoot || b.spec?.shootRef?.name === shoot) &&
      !b.metadata.deletionTimestamp,
  );
  if (mine.length === 1 && mine[0]) return mine[0];
  const scope = shoot ? `shoot "${shoot}"` : 'this project';
  throw new GardenctlError(
    mine.length === 0 ? GardenctlErrorCode.NotFound : GardenctlErrorCode.Ambiguous,
    mine.length === 0
      ? `no bastion of gardenctl for ${scope}`
      : `several bastions for ${scope}: ${mine.map((b) => b.metadata.name).join(', ')}`,
    mine.length === 0
      ? 'create one with gardenctl ssh --keep-bastion'
      : 'name one: gardenctl ssh-patch BASTION',
  );
}

function providerOf(shoot: KubeObject): string | undefined {
  return (shoot.spec?.provider as { type?: string } | undefined)?.type;
}

function nodesCidrOf(shoot: KubeObject): string | undefined {
  return (shoot.spec?.networking as { nodes?: string } | undefined)?.nodes;
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
