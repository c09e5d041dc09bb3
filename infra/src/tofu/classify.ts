import { GardenerErrorCode } from './error-codes.js';

/** Known causes in tofu's output, first match wins. Unknown causes carry no code (retried). */
const CAUSES: ReadonlyArray<readonly [RegExp, GardenerErrorCode]> = [
  [/Error acquiring the state lock|already locked/i, GardenerErrorCode.RetryableInfraDependencies],
  [
    /connection refused|no such host|i\/o timeout|too many clients/i,
    GardenerErrorCode.RetryableInfraDependencies,
  ],
  [/rate ?limit|too many requests|throttl/i, GardenerErrorCode.InfraRateLimitsExceeded],
  [/quota|limit exceeded/i, GardenerErrorCode.InfraQuotaExceeded],
  [/unauthenticated|invalid credentials|authentication failed/i, GardenerErrorCode.InfraUnauthenticated],
  [/operation not permitted|permission denied|unauthorized|forbidden/i, GardenerErrorCode.InfraUnauthorized],
  [/no space left|cannot allocate memory|address already in use/i, GardenerErrorCode.InfraResourcesDepleted],
  [
    /Unsupported argument|Invalid value|Missing required argument|Reference to undeclared|Invalid reference/i,
    GardenerErrorCode.ConfigurationProblem,
  ],
];

export function classifyTofuOutput(output: string): GardenerErrorCode[] {
  for (const [pattern, code] of CAUSES) if (pattern.test(output)) return [code];
  return [];
}
