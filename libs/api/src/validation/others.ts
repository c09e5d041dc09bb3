import { cidrProblem, overlaps } from '../cidr.js';
import type { FieldError } from '../errors.js';
import type { ConfigMap, Secret } from '../kinds/core-v1.js';
import type { Project } from '../kinds/project.js';
import type { Seed } from '../kinds/seed.js';
import { GARDEN_NAMESPACE } from '../resources.js';
import { jsonEqual } from '../strategy.js';
import { duplicates, nameProblem } from './metadata.js';
import { consecutiveHyphensProblem, projectNameOfNamespace } from './shoot.js';

const PROJECT_NAMESPACE_PREFIX = 'garden-';
const MAX_NAMESPACE_LENGTH = 63;

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_DATA_BYTES = 1024 * 1024;

/** A project namespace's part after `garden-` names its shoots' technical IDs and must be as unambiguous. */
function projectNamespaceProblem(namespace: string): string | undefined {
  if (namespace === GARDEN_NAMESPACE) return undefined;
  if (!namespace.startsWith(PROJECT_NAMESPACE_PREFIX))
    return `must be "${GARDEN_NAMESPACE}" or start with "${PROJECT_NAMESPACE_PREFIX}"`;
  const problem =
    nameProblem(namespace, 'dns1123-label', MAX_NAMESPACE_LENGTH) ?? consecutiveHyphensProblem(namespace);
  if (problem) return problem;
  // garden-garden's shoots would get the technical IDs of the garden namespace's own shoots
  if (projectNameOfNamespace(namespace) === GARDEN_NAMESPACE)
    return `must not be "${namespace}": its shoots' technical IDs would be those of the "${GARDEN_NAMESPACE}" namespace`;
  return undefined;
}

/** Gardener's project rules; names and namespaces are checked when set (both are immutable). */
export function validateProject(project: Project, old?: Project): FieldError[] {
  const errors: FieldError[] = [];
  const namespace = project.spec.namespace;
  const hyphens = old ? undefined : consecutiveHyphensProblem(project.metadata.name ?? '');
  if (hyphens) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', message: hyphens });
  const namespaceProblem =
    namespace !== undefined && namespace !== old?.spec.namespace
      ? projectNamespaceProblem(namespace)
      : undefined;
  if (namespaceProblem)
    errors.push({ type: 'FieldValueInvalid', field: 'spec.namespace', message: namespaceProblem });
  if (old?.spec.namespace !== undefined && namespace !== old.spec.namespace) {
    errors.push({ type: 'FieldValueForbidden', field: 'spec.namespace', message: 'field is immutable' });
  }
  for (const name of duplicates((project.spec.members ?? []).map((m) => `${m.kind}/${m.name}`))) {
    errors.push({
      type: 'FieldValueDuplicate',
      field: 'spec.members',
      message: `duplicate member "${name}"`,
    });
  }
  return errors;
}

export function validateSeed(seed: Seed): FieldError[] {
  const errors: FieldError[] = [];
  const networks = seed.spec.networks;
  const entries: Array<[string, string]> = [];
  for (const key of ['nodes', 'pods', 'services'] as const) {
    const cidr = networks[key];
    if (cidr !== undefined) entries.push([`spec.networks.${key}`, cidr]);
  }
  for (const key of ['nodes', 'pods', 'services'] as const) {
    const cidr = networks.shootDefaults?.[key];
    if (cidr !== undefined) entries.push([`spec.networks.shootDefaults.${key}`, cidr]);
  }
  for (const [field, cidr] of entries) {
    const problem = cidrProblem(cidr);
    if (problem) errors.push({ type: 'FieldValueInvalid', field, message: problem });
  }
  const own = entries.filter(([field]) => !field.includes('shootDefaults'));
  const shootDefaults = entries.filter(([field]) => field.includes('shootDefaults'));
  const pairs = [
    ...own.flatMap((a, i) => own.slice(i + 1).map((b) => [b, a] as const)),
    ...shootDefaults.flatMap((a) => own.map((b) => [a, b] as const)),
  ];
  for (const [[field, cidr], [otherField, other]] of pairs) {
    if (overlaps(cidr, other))
      errors.push({ type: 'FieldValueInvalid', field, message: `must not overlap ${otherField} (${other})` });
  }
  for (const zone of duplicates(seed.spec.provider.zones ?? [])) {
    errors.push({
      type: 'FieldValueDuplicate',
      field: 'spec.provider.zones',
      message: `duplicate zone "${zone}"`,
    });
  }
  return errors;
}

function validateDataKeys(field: string, keys: string[]): FieldError[] {
  return keys
    .filter((key) => !DATA_KEY.test(key) || key.length > 253)
    .map((key) => ({
      type: 'FieldValueInvalid' as const,
      field: `${field}[${key}]`,
      message: "a valid key must consist of alphanumeric characters, '-', '_' or '.'",
    }));
}

function dataSize(values: Record<string, string> | undefined, base64: boolean): number {
  return Object.values(values ?? {}).reduce(
    (sum, v) => sum + (base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v)),
    0,
  );
}

export function validateSecret(secret: Secret): FieldError[] {
  const errors = validateDataKeys('data', Object.keys(secret.data ?? {}));
  if (dataSize(secret.data, true) > MAX_DATA_BYTES) {
    errors.push({
      type: 'FieldValueTooLong',
      field: 'data',
      message: `may not exceed ${MAX_DATA_BYTES} bytes`,
    });
  }
  return errors;
}

export function validateConfigMap(configMap: ConfigMap): FieldError[] {
  const errors = [
    ...validateDataKeys('data', Object.keys(configMap.data ?? {})),
    ...validateDataKeys('binaryData', Object.keys(configMap.binaryData ?? {})),
  ];
  for (const key of Object.keys(configMap.binaryData ?? {})) {
    if (configMap.data && key in configMap.data) {
      errors.push({
        type: 'FieldValueDuplicate',
        field: `binaryData[${key}]`,
        message: 'key also present in data',
      });
    }
  }
  if (dataSize(configMap.data, false) + dataSize(configMap.binaryData, true) > MAX_DATA_BYTES) {
    errors.push({
      type: 'FieldValueTooLong',
      field: 'data',
      message: `may not exceed ${MAX_DATA_BYTES} bytes`,
    });
  }
  return errors;
}

/** An immutable Secret or ConfigMap keeps its data and its immutability. */
export function validateImmutableData(
  now: { data?: unknown; binaryData?: unknown; immutable?: boolean },
  old: { data?: unknown; binaryData?: unknown; immutable?: boolean },
): FieldError[] {
  if (!old.immutable) return [];
  const errors: FieldError[] = [];
  if (!now.immutable)
    errors.push({
      type: 'FieldValueForbidden',
      field: 'immutable',
      message: 'field is immutable when `immutable` is set',
    });
  if (!jsonEqual(now.data ?? {}, old.data ?? {}) || !jsonEqual(now.binaryData ?? {}, old.binaryData ?? {})) {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'data',
      message: 'field is immutable when `immutable` is set',
    });
  }
  return errors;
}
