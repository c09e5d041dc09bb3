import type { Shoot } from '@gardener-ts/api';
import { technicalIdOf } from '@gardener-ts/extensions';

export { technicalIdOf };

/** The technical ID from the shoot's namespace and name alone: for a shoot that may be gone already. */
export function technicalIdOfName(namespace: string | undefined, name: string): string {
  return technicalIdOf({ metadata: { namespace, name } } as Shoot);
}

/**
 * Every technical ID the shoot's seed resources may carry: the derived one and the one its status
 * recorded (set at creation; it would differ only if the naming rule ever changed).
 */
export function technicalIdsOf(shoot: Shoot): string[] {
  const recorded = shoot.status?.technicalID;
  return recorded ? [technicalIdOf(shoot), recorded] : [technicalIdOf(shoot)];
}

/** Gardener keeps a shoot's SSH key pair as `<shoot>.ssh-keypair` in the project namespace. */
export function sshKeypairSecretName(shootName: string | undefined): string {
  return `${shootName}.ssh-keypair`;
}

/** `<shoot>.ca-cluster` holds the cluster CA for clients, as in Gardener. */
export function clusterCaConfigMapName(shootName: string | undefined): string {
  return `${shootName}.ca-cluster`;
}
