export {
  type FieldPath,
  FieldSet,
  formatPath,
  fromFieldsV1,
  type PathElement,
  toFieldsV1,
} from './field-set.js';
export { type ListType, type ListTypes, listTypesOf } from './list-types.js';
export {
  conflictError,
  FIELD_MANAGER_MAX_LENGTH,
  type ManagedFieldsEntry,
  type Manager,
  readManagedFields,
  writeManagedFields,
} from './managed-fields.js';
export { compareObjects, fieldSetOf, mergeApplied, removeFields } from './object-fields.js';
export { type ApplyPlan, managedFieldsAfterUpdate, planApply, type WriteScope } from './ownership.js';
