import { ApiException, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';

/** A shoot's Node as the machine controller judges it. */
export interface NodeInfo {
  readonly name: string;
  /** the Ready condition is True */
  readonly ready: boolean;
  readonly readySince?: Date;
  readonly notReadySince?: Date;
  readonly providerId?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The shoot's API server, as the machine controller needs it. */
export interface ShootNodes {
  list(): Promise<NodeInfo[]>;
  /** deleting a Node that is already gone succeeds */
  delete(name: string): Promise<void>;
}

export function nodeInfoOf(node: V1Node): NodeInfo {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const isReady = ready?.status === 'True';
  const since = ready?.lastTransitionTime ? new Date(ready.lastTransitionTime) : undefined;
  return {
    name: node.metadata?.name ?? '',
    ready: isReady,
    ...(since && isReady ? { readySince: since } : {}),
    ...(since && !isReady ? { notReadySince: since } : {}),
    ...(node.spec?.providerID ? { providerId: node.spec.providerID } : {}),
    ...(node.metadata?.labels ? { labels: node.metadata.labels } : {}),
  };
}

/** ShootNodes over a kubeconfig for the shoot's API server (@kubernetes/client-node). */
export function shootNodesFromKubeconfig(kubeconfigYaml: string): ShootNodes {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigYaml);
  const core = config.makeApiClient(CoreV1Api);
  return {
    async list() {
      const nodes = await core.listNode();
      return nodes.items.map(nodeInfoOf);
    },
    async delete(name) {
      try {
        await core.deleteNode({ name });
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return;
        throw error;
      }
    },
  };
}
