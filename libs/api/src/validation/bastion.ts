import type { FieldError } from '../errors.js';
import type { Bastion } from '../kinds/bastion.js';
import { CORE_API_VERSION } from '../kinds/groups.js';
import type { Shoot } from '../kinds/shoot.js';

const forbidden = (field: string, message: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  message,
});

/**
 * A new Bastion needs a shoot in its namespace that is scheduled, not being deleted and not
 * hibernated; it takes the shoot's seed and provider type (whatever the request says) and is owned
 * by the shoot. Later updates may change only the ingress CIDRs and metadata.
 */
export function admitBastion(
  bastion: Bastion,
  old: Bastion | undefined,
  shoot: Shoot | undefined,
): FieldError[] {
  if (old) return immutableBastionFields(bastion, old);
  const name = bastion.spec.shootRef.name;
  const field = 'spec.shootRef.name';
  if (!shoot) {
    return [
      {
        type: 'FieldValueInvalid',
        field,
        message: `shoot "${name}" not found in namespace "${bastion.metadata.namespace}"`,
      },
    ];
  }
  if (shoot.metadata.deletionTimestamp) return [forbidden(field, `shoot "${name}" is being deleted`)];
  if (shoot.spec.hibernation?.enabled || shoot.status?.hibernated)
    return [forbidden(field, `shoot "${name}" is hibernated: wake it up first`)];
  const seedName = shoot.spec.seedName ?? shoot.status?.seedName;
  if (!seedName) return [forbidden(field, `shoot "${name}" is not yet scheduled to a seed`)];
  bastion.spec.seedName = seedName;
  bastion.spec.providerType = shoot.spec.provider.type;
  bastion.metadata.ownerReferences = [
    {
      apiVersion: CORE_API_VERSION,
      kind: 'Shoot',
      name,
      uid: shoot.metadata.uid ?? '',
      controller: false,
      blockOwnerDeletion: false,
    },
  ];
  return [];
}

function immutableBastionFields(bastion: Bastion, old: Bastion): FieldError[] {
  // an update that leaves out a server-set field keeps it
  bastion.spec.seedName ??= old.spec.seedName;
  bastion.spec.providerType ??= old.spec.providerType;
  const errors: FieldError[] = [];
  const fields = [
    ['spec.shootRef.name', bastion.spec.shootRef.name, old.spec.shootRef.name],
    ['spec.seedName', bastion.spec.seedName, old.spec.seedName],
    ['spec.providerType', bastion.spec.providerType, old.spec.providerType],
    ['spec.sshPublicKey', bastion.spec.sshPublicKey, old.spec.sshPublicKey],
  ] as const;
  for (const [field, next, before] of fields) {
    if (next !== before) errors.push(forbidden(field, 'field is immutable'));
  }
  return errors;
}
