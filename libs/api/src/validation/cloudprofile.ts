import type { FieldError } from '../errors.js';
import type { CloudProfile } from '../kinds/cloudprofile.js';
import { parseVersion } from '../versions.js';
import { duplicates } from './metadata.js';

function dup(field: string, values: string[]): FieldError[] {
  return duplicates(values).map((v) => ({
    type: 'FieldValueDuplicate' as const,
    field,
    message: `duplicate value "${v}"`,
  }));
}

function dateProblem(date: string | undefined): boolean {
  return date !== undefined && Number.isNaN(Date.parse(date));
}

/** CloudProfile rules: well-formed and unique versions, images, machine types, regions and zones. */
export function validateCloudProfile(profile: CloudProfile): FieldError[] {
  const spec = profile.spec;
  const errors: FieldError[] = [];
  const k8s = spec.kubernetes.versions;
  if (k8s.length === 0)
    errors.push({
      type: 'FieldValueRequired',
      field: 'spec.kubernetes.versions',
      message: 'must list at least one version',
    });
  k8s.forEach((v, i) => {
    if (!parseVersion(v.version) || v.version.split('.').length !== 3) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `spec.kubernetes.versions[${i}].version`,
        message: 'must be a semantic version major.minor.patch',
      });
    }
    if (dateProblem(v.expirationDate)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `spec.kubernetes.versions[${i}].expirationDate`,
        message: 'must be an RFC 3339 timestamp',
      });
    }
  });
  errors.push(
    ...dup(
      'spec.kubernetes.versions',
      k8s.map((v) => v.version),
    ),
  );

  if (spec.machineImages.length === 0)
    errors.push({
      type: 'FieldValueRequired',
      field: 'spec.machineImages',
      message: 'must list at least one machine image',
    });
  errors.push(
    ...dup(
      'spec.machineImages',
      spec.machineImages.map((m) => m.name),
    ),
  );
  spec.machineImages.forEach((image, i) => {
    if (image.versions.length === 0)
      errors.push({
        type: 'FieldValueRequired',
        field: `spec.machineImages[${i}].versions`,
        message: 'must list at least one version',
      });
    errors.push(
      ...dup(
        `spec.machineImages[${i}].versions`,
        image.versions.map((v) => v.version),
      ),
    );
    image.versions.forEach((v, j) => {
      if (dateProblem(v.expirationDate)) {
        errors.push({
          type: 'FieldValueInvalid',
          field: `spec.machineImages[${i}].versions[${j}].expirationDate`,
          message: 'must be an RFC 3339 timestamp',
        });
      }
    });
  });

  if (spec.machineTypes.length === 0)
    errors.push({
      type: 'FieldValueRequired',
      field: 'spec.machineTypes',
      message: 'must list at least one machine type',
    });
  errors.push(
    ...dup(
      'spec.machineTypes',
      spec.machineTypes.map((m) => m.name),
    ),
  );
  spec.machineTypes.forEach((type, i) => {
    if (!/^\d+(\.\d+)?(m)?$/.test(type.cpu))
      errors.push({
        type: 'FieldValueInvalid',
        field: `spec.machineTypes[${i}].cpu`,
        message: 'must be a quantity such as 2 or 500m',
      });
    if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(type.memory))
      errors.push({
        type: 'FieldValueInvalid',
        field: `spec.machineTypes[${i}].memory`,
        message: 'must be a quantity such as 2Gi',
      });
  });

  if (spec.regions.length === 0)
    errors.push({
      type: 'FieldValueRequired',
      field: 'spec.regions',
      message: 'must list at least one region',
    });
  errors.push(
    ...dup(
      'spec.regions',
      spec.regions.map((r) => r.name),
    ),
  );
  spec.regions.forEach((region, i) => {
    errors.push(
      ...dup(
        `spec.regions[${i}].zones`,
        (region.zones ?? []).map((z) => z.name),
      ),
    );
  });
  return errors;
}
