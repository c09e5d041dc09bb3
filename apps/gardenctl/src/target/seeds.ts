import { GardenctlError, GardenctlErrorCode } from '../errors.js';

/** gardener-ts seeds are not clusters: the local seed runs each shoot's control plane as processes. */
export function seedNotTargetable(what: 'seed' | 'control-plane'): GardenctlError {
  const subject =
    what === 'seed'
      ? 'a seed cannot be targeted: the local seed has no Kubernetes cluster to target'
      : "a shoot's control plane cannot be targeted: the local seed has no Kubernetes cluster to target";
  return new GardenctlError(
    GardenctlErrorCode.Unsupported,
    `${subject} (it runs each shoot's etcd, kube-apiserver, controller-manager and scheduler as supervised processes on this machine)`,
    'target the shoot instead (gardenctl target shoot NAME); its control plane is what gardenctl kubeconfig reaches',
  );
}
