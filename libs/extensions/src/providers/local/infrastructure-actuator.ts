import {
  localGatewayAddress,
  localInfrastructureStack,
  removeLocalNetwork,
  SSH_KEY_RESOURCE,
} from '@gardener-ts/infra/stacks';
import { TofuError, type TofuRunner } from '@gardener-ts/infra/tofu';
import { ExtensionError, GardenerErrorCode } from '../../errors.js';
import type {
  InfrastructureActuator,
  InfrastructureContext,
  InfrastructureStatus,
} from '../../infrastructure/actuator.js';

/** The local cloud: a bridge and firewall on this machine plus the shoot's SSH key pair. */
export class LocalInfrastructureActuator implements InfrastructureActuator {
  constructor(private readonly runner: TofuRunner) {}

  async reconcile(context: InfrastructureContext): Promise<InfrastructureStatus> {
    const { outputs } = await this.converge(() =>
      this.runner.reconcile(this.stack(context), context.technicalId, {
        replace: context.rotateSshKeypair ? [SSH_KEY_RESOURCE] : [],
      }),
    );
    return {
      providerStatus: {
        bridgeName: outputs.bridgeName,
        gatewayAddress: outputs.gatewayAddress,
        firewallTable: outputs.firewallTable,
        nodesCidr: nodesCidrOf(context),
      },
      sshPublicKey: outputs.sshPublicKey,
      secrets: { sshPrivateKey: outputs.sshPrivateKey },
    };
  }

  async delete(context: InfrastructureContext): Promise<void> {
    // a spec no stack can be made of was never applied: there is nothing for tofu to destroy
    const stack = describable(() => this.stack(context));
    if (stack) await this.converge(() => this.runner.destroy(stack, context.technicalId));
    await removeLocalNetwork(context.technicalId);
  }

  /** the bridge's gateway address, which the stack gives the bridge */
  controlPlaneAddress(context: InfrastructureContext): string {
    return configured(() => localGatewayAddress(nodesCidrOf(context)));
  }

  private stack(context: InfrastructureContext) {
    return configured(() =>
      localInfrastructureStack({ technicalId: context.technicalId, nodesCidr: nodesCidrOf(context) }),
    );
  }

  private async converge<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof TofuError) throw new ExtensionError(error.message, error.gardenerCodes);
      throw error;
    }
  }
}

function nodesCidrOf(context: InfrastructureContext): string {
  const nodesCidr = context.shoot.spec.networking?.nodes;
  if (!nodesCidr) throw new Error('spec.networking.nodes is not set');
  return nodesCidr;
}

function describable<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch (error) {
    if (error instanceof ExtensionError) return undefined;
    throw error;
  }
}

/** what the shoot's spec gets wrong is a configuration problem: final, the user must act */
function configured<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw new ExtensionError((error as Error).message, [GardenerErrorCode.ConfigurationProblem]);
  }
}
