export { usePinnedProviderVersions } from './pinned-providers.js';
