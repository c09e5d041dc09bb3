/** Gardener's error codes (docs/usage/shoot/shoot_status.md); they decide whether to retry. */
export enum GardenerErrorCode {
  InfraUnauthenticated = 'ERR_INFRA_UNAUTHENTICATED',
  InfraUnauthorized = 'ERR_INFRA_UNAUTHORIZED',
  InfraQuotaExceeded = 'ERR_INFRA_QUOTA_EXCEEDED',
  InfraDependencies = 'ERR_INFRA_DEPENDENCIES',
  InfraResourcesDepleted = 'ERR_INFRA_RESOURCES_DEPLETED',
  ConfigurationProblem = 'ERR_CONFIGURATION_PROBLEM',
  ProblematicWebhook = 'ERR_PROBLEMATIC_WEBHOOK',
  CleanupClusterResources = 'ERR_CLEANUP_CLUSTER_RESOURCES',
  RetryableInfraDependencies = 'ERR_RETRYABLE_INFRA_DEPENDENCIES',
  InfraRateLimitsExceeded = 'ERR_INFRA_RATE_LIMITS_EXCEEDED',
  RetryableConfigurationProblem = 'ERR_RETRYABLE_CONFIGURATION_PROBLEM',
}

const RETRYABLE: ReadonlySet<GardenerErrorCode> = new Set([
  GardenerErrorCode.RetryableInfraDependencies,
  GardenerErrorCode.InfraRateLimitsExceeded,
  GardenerErrorCode.RetryableConfigurationProblem,
]);

/** An error without codes is retried; one with only non-retryable codes is final. */
export function isRetryable(codes: readonly GardenerErrorCode[]): boolean {
  return codes.length === 0 || codes.some((code) => RETRYABLE.has(code));
}
