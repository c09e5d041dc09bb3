import { OPERATION_ANNOTATION, operationsIn, SHOOT_OPERATIONS, type Shoot } from '@gardener-ts/api';
import type { GardenClient } from '@gardener-ts/client';
import { keyOf } from './seed-shoots.js';

export type ShootOperation = (typeof SHOOT_OPERATIONS)[number];

const KNOWN: readonly string[] = SHOOT_OPERATIONS;

/** The operations a reconcile acts on that the shoot's annotation asks for (admission refuses others). */
export function requestedOperations(shoot: Shoot): ShootOperation[] {
  return operationsIn(shoot.metadata.annotations?.[OPERATION_ANNOTATION]).filter((op): op is ShootOperation =>
    KNOWN.includes(op),
  );
}

/** Asks for an operation, keeping those already asked for. */
export function requestOperation(
  client: GardenClient,
  shoot: Shoot,
  operation: ShootOperation,
): Promise<Shoot> {
  const current = shoot.metadata.annotations?.[OPERATION_ANNOTATION];
  return client.patch('Shoot', keyOf(shoot), 'merge', {
    metadata: { annotations: { [OPERATION_ANNOTATION]: current ? `${current};${operation}` : operation } },
  });
}

/** Removes the operations acted on from the annotation, keeping any it does not know. */
export async function clearOperations(
  client: GardenClient,
  shoot: Shoot,
  handled: readonly ShootOperation[],
): Promise<void> {
  if (handled.length === 0) return;
  const current = await client.get('Shoot', keyOf(shoot));
  const left = operationsIn(current.metadata.annotations?.[OPERATION_ANNOTATION]).filter(
    (op) => !(handled as readonly string[]).includes(op),
  );
  await client.patch('Shoot', keyOf(shoot), 'merge', {
    metadata: { annotations: { [OPERATION_ANNOTATION]: left.length ? left.join(';') : null } },
  });
}
