import type { TerraformStack } from 'cdktf';

/** What a provider hands the runner: how to build its stack and how to read its outputs. */
export interface StackDefinition<Outputs> {
  /** stable name of the stack kind, e.g. `local-infrastructure` */
  readonly name: string;
  /** adds the resources to a stack; backend, providers' versions and encryption are the runner's */
  define(stack: TerraformStack): void;
  /**
   * Drift probes for resources a provider cannot refresh (commands run by terraform_data):
   * output name → resource address. An output planned as `false` means the resource is gone
   * and is replaced.
   */
  readonly driftProbes?: Readonly<Record<string, string>>;
  /** validates `tofu output -json` values into typed outputs */
  parseOutputs(raw: Readonly<Record<string, unknown>>): Outputs;
}
