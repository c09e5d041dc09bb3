/**
 * One thing a provider keeps on the seed for a shoot, named after the shoot's technical ID: what
 * the gardenlet's seed garbage collector lists, and removes once no shoot owns it.
 */
export interface SeedResource {
  /** e.g. `machine`, `bastion`, `infrastructure` */
  readonly kind: string;
  readonly technicalId: string;
  /** the resource's own name within its kind (a machine's, a bastion's id, a workspace's) */
  readonly name: string;
}

/**
 * Lists a provider's resources of one kind on this seed, and removes one through the provider's
 * own delete code. `workers` resources (machines, bastions) go before the shoot's control plane,
 * `infrastructure` ones after it, as in the delete flow.
 */
export interface SeedResourceCollector {
  readonly kind: string;
  readonly phase: 'workers' | 'infrastructure';
  list(): Promise<SeedResource[]>;
  remove(resource: SeedResource): Promise<void>;
}
