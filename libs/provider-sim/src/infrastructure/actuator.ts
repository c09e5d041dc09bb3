import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ExtensionError,
  GardenerErrorCode,
  type InfrastructureActuator,
  type InfrastructureContext,
  type InfrastructureStatus,
} from '@gardener-ts/extensions';
import { generateSshKeyPair } from './ssh-key.js';

/** the one file the sim cloud keeps per shoot */
export const INFRASTRUCTURE_RECORD = 'infrastructure.json';
/** the node range machine addresses come from when the shoot names none */
export const DEFAULT_NODES_CIDR = '10.250.0.0/16';

interface InfrastructureRecord {
  readonly sshPublicKey: string;
  readonly sshPrivateKey: string;
}

const TECHNICAL_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** GARDENER_TS_SIM_DIR, else $XDG_STATE_HOME/gardener-ts/sim-cloud: never the work tree (keys). */
export function defaultSimStateDir(): string {
  if (process.env.GARDENER_TS_SIM_DIR) return resolve(process.env.GARDENER_TS_SIM_DIR);
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'gardener-ts', 'sim-cloud');
}

/**
 * The sim cloud's infrastructure: no network, no firewall, only the shoot's SSH key pair, kept in
 * `<stateDir>/<technical ID>/infrastructure.json` (0600, directory 0700) so that every reconcile,
 * from any process on this machine, returns the same key until `rotate-ssh-keypair`.
 */
export class SimInfrastructureActuator implements InfrastructureActuator {
  constructor(readonly stateDir: string = defaultSimStateDir()) {}

  /** the directory holding everything the sim cloud keeps for the shoot */
  shootDir(technicalId: string): string {
    if (!TECHNICAL_ID.test(technicalId)) {
      throw new ExtensionError(`technical ID ${JSON.stringify(technicalId)} is not a DNS label`, [
        GardenerErrorCode.ConfigurationProblem,
      ]);
    }
    return join(this.stateDir, technicalId);
  }

  async reconcile(context: InfrastructureContext): Promise<InfrastructureStatus> {
    const dir = this.shootDir(context.technicalId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, INFRASTRUCTURE_RECORD);
    const existing = context.rotateSshKeypair ? undefined : await readRecord(file);
    const record =
      existing ?? (await this.store(file, newRecord(context.technicalId), !context.rotateSshKeypair));
    return {
      providerStatus: {
        networkName: `sim-${context.technicalId}`,
        nodesCidr: context.shoot.spec.networking?.nodes ?? DEFAULT_NODES_CIDR,
      },
      sshPublicKey: record.sshPublicKey,
      secrets: { sshPrivateKey: record.sshPrivateKey },
    };
  }

  async delete(context: InfrastructureContext): Promise<void> {
    await rm(this.shootDir(context.technicalId), { recursive: true, force: true });
  }

  /**
   * Writes the record atomically. First writer wins unless `replace`: two processes reconciling
   * the same new shoot at once both return the key that landed.
   */
  private async store(file: string, record: InfrastructureRecord, firstWins: boolean) {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
    try {
      if (!firstWins) {
        await rename(temporary, file);
        return record;
      }
      try {
        await link(temporary, file);
        return record;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const winner = await readRecord(file);
        if (winner) return winner;
        // an unreadable record: replace it
        await rename(temporary, file);
        return record;
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }
}

function newRecord(technicalId: string): InfrastructureRecord {
  const key = generateSshKeyPair(technicalId);
  return { sshPublicKey: key.publicKey, sshPrivateKey: key.privateKey };
}

async function readRecord(file: string): Promise<InfrastructureRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as Partial<InfrastructureRecord>;
    if (typeof record.sshPublicKey === 'string' && typeof record.sshPrivateKey === 'string') {
      return { sshPublicKey: record.sshPublicKey, sshPrivateKey: record.sshPrivateKey };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  return undefined;
}
