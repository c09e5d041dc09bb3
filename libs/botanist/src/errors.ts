/** The store and the API model both carry Kubernetes reasons as `code` (NotFound, Conflict, …). */
export function hasReason(error: unknown, reason: 'NotFound' | 'AlreadyExists' | 'Conflict'): boolean {
  return (error as { code?: unknown } | null)?.code === reason;
}

export function ignoreNotFound(error: unknown): undefined {
  if (hasReason(error, 'NotFound')) return undefined;
  throw error;
}
