export const CORE_GROUP = 'core.gardener.cloud';
export const CORE_VERSION = 'v1beta1';
export const CORE_API_VERSION = `${CORE_GROUP}/${CORE_VERSION}`;
export const SECURITY_GROUP = 'security.gardener.cloud';
export const SECURITY_VERSION = 'v1alpha1';
export const SECURITY_API_VERSION = `${SECURITY_GROUP}/${SECURITY_VERSION}`;
