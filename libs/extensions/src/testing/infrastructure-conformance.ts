import { expect, it } from 'vitest';
import type { InfrastructureActuator, InfrastructureContext } from '../infrastructure/actuator.js';

/** What a provider supplies to run the conformance cases against itself. */
export interface InfrastructureConformanceSubject {
  readonly actuator: InfrastructureActuator;
  /** a fresh shoot context per case (unique technical IDs and networks) */
  newContext(): InfrastructureContext;
  /** leaves the cloud as an interrupted create would (some resources made, none recorded) */
  interruptCreate(context: InfrastructureContext): Promise<void>;
  /** everything of this shoot still present in the cloud; empty when clean */
  leftovers(context: InfrastructureContext): Promise<string[]>;
}

/**
 * Cases every Infrastructure actuator must pass. Call inside a `describe` of the provider's test:
 * `describe('my cloud', () => infrastructureConformance(() => subject))`.
 */
export function infrastructureConformance(subject: () => InfrastructureConformanceSubject): void {
  it('conformance: reconcile twice converges to the same status', async () => {
    const { actuator, newContext, leftovers } = subject();
    const context = newContext();
    try {
      const first = await actuator.reconcile(context);
      const second = await actuator.reconcile(context);
      expect(second).toEqual(first);
    } finally {
      await actuator.delete(context);
    }
    expect(await leftovers(context)).toEqual([]);
  });

  it('conformance: delete twice raises no error and leaves nothing', async () => {
    const { actuator, newContext, leftovers } = subject();
    const context = newContext();
    await actuator.reconcile(context);
    await actuator.delete(context);
    await actuator.delete(context);
    expect(await leftovers(context)).toEqual([]);
  });

  it('conformance: delete after an interrupted create leaves nothing', async () => {
    const { actuator, newContext, interruptCreate, leftovers } = subject();
    const context = newContext();
    await interruptCreate(context);
    expect(await leftovers(context)).not.toEqual([]);
    await actuator.delete(context);
    expect(await leftovers(context)).toEqual([]);
  });
}
