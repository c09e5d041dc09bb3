import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SeedError, SeedErrorCode } from '../errors.js';
import type { ComponentName } from '../types.js';

/**
 * Where local control planes live unless the caller says otherwise: GARDENER_TS_SEED_DIR, else
 * $XDG_STATE_HOME/gardener-ts/seeds/local (~/.local/state/...). Never the work tree: etcd data and
 * keys must not end up in a repository, and control planes outlive checkouts.
 */
export function defaultSeedRoot(): string {
  const explicit = process.env.GARDENER_TS_SEED_DIR;
  if (explicit) return resolve(explicit);
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'gardener-ts', 'seeds', 'local');
}

const ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isControlPlaneId(name: string): boolean {
  return ID.test(name);
}

export function validateId(id: string): void {
  if (!isControlPlaneId(id)) {
    throw new SeedError(
      SeedErrorCode.InvalidSpec,
      `control-plane id ${JSON.stringify(id)} must be 1-63 lower-case letters, digits and dashes`,
    );
  }
}

/** The core control plane: every deployed shoot has these. */
export const COMPONENTS: readonly ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

/** Everything that may run for a shoot, for stopping what is left. */
export const ALL_COMPONENTS: readonly ComponentName[] = [...COMPONENTS, 'kwok'];

export function componentsOf(spec: { readonly simulatePods?: boolean }): readonly ComponentName[] {
  return spec.simulatePods ? ALL_COMPONENTS : COMPONENTS;
}

/** Every path of one control plane's directory. */
export interface ShootLayout {
  readonly dir: string;
  /** spec, address and ports (written by the backend) */
  readonly state: string;
  /** what the supervisor runs (written by the backend, read by the supervisor) */
  readonly supervisorConfig: string;
  readonly pki: string;
  /** secret configuration (encryption at rest): 0700 */
  readonly secrets: string;
  readonly encryptionConfig: string;
  /** kwok's Pod stages, when the control plane simulates Pods */
  readonly kwokConfig: string;
  readonly kubeconfigs: string;
  kubeconfig(name: 'admin' | 'kube-controller-manager' | 'kube-scheduler'): string;
  readonly etcdData: string;
  readonly logs: string;
  log(name: string): string;
  readonly run: string;
  pidFile(name: string): string;
  /** component states, written by the supervisor */
  readonly status: string;
}

export function shootLayout(root: string, id: string): ShootLayout {
  validateId(id);
  const dir = join(root, id);
  const run = join(dir, 'run');
  const logs = join(dir, 'logs');
  const kubeconfigs = join(dir, 'kubeconfigs');
  const secrets = join(dir, 'secrets');
  return {
    dir,
    state: join(dir, 'state.json'),
    supervisorConfig: join(dir, 'supervisor.json'),
    pki: join(dir, 'pki'),
    secrets,
    encryptionConfig: join(secrets, 'encryption-config.yaml'),
    kwokConfig: join(dir, 'kwok.yaml'),
    kubeconfigs,
    kubeconfig: (name) => join(kubeconfigs, `${name}.kubeconfig`),
    etcdData: join(dir, 'etcd'),
    logs,
    log: (name) => join(logs, `${name}.log`),
    run,
    pidFile: (name) => join(run, `${name}.pid`),
    status: join(run, 'status.json'),
  };
}
