export {
  type CaOptions,
  type CertAndKey,
  type CertificateInfo,
  type CertificateOptions,
  type CertUsage,
  createCertificateAuthority,
  describeCertificate,
  issueCertificate,
} from './certificates.js';
export {
  CA_NAMES,
  type CaName,
  type ControlPlanePki,
  type ControlPlanePkiOptions,
  ensureControlPlanePki,
  generateControlPlanePki,
  generateServiceAccountKey,
  LEAF_NAMES,
  type LeafName,
  leafSpecs,
  type PkiPaths,
  pkiPaths,
  readControlPlanePki,
  type ServiceAccountKey,
  writeSecret,
} from './control-plane.js';
export { KEY_ALGORITHM, toPem } from './crypto.js';
export { PkiError, PkiErrorCode } from './errors.js';
export {
  ADMIN_GROUP,
  DEFAULT_KUBECONFIG_EXPIRATION_SECONDS,
  issueShortLivedKubeconfig,
  type KubeconfigOptions,
  type KubeconfigRole,
  type KubeconfigUser,
  MAX_KUBECONFIG_EXPIRATION_SECONDS,
  renderKubeconfig,
  type ShortLivedKubeconfig,
  type ShortLivedKubeconfigOptions,
  VIEWER_GROUP,
} from './kubeconfig.js';
