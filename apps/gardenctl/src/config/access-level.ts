/** gardenctl-v2's kubeconfig access levels: auto asks for admin and falls back to viewer when refused. */
export const ACCESS_LEVELS = ['admin', 'viewer', 'auto'] as const;
export type AccessLevelChoice = (typeof ACCESS_LEVELS)[number];

export function isAccessLevel(value: unknown): value is AccessLevelChoice {
  return (ACCESS_LEVELS as readonly unknown[]).includes(value);
}
