import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Expands a leading `~` (gardenctl-v2 accepts it in kubeconfig paths and GCTL_HOME). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** `~/.garden`, or GCTL_HOME. */
export function gardenHome(env: NodeJS.ProcessEnv): string {
  return env.GCTL_HOME ? expandHome(env.GCTL_HOME) : join(homedir(), '.garden');
}

/** The config file: --config, else `<GCTL_HOME or ~/.garden>/<GCTL_CONFIG_NAME or gardenctl-v2>.yaml`. */
export function configFile(env: NodeJS.ProcessEnv, explicit?: string): string {
  if (explicit) return isAbsolute(explicit) ? explicit : resolve(explicit);
  return join(gardenHome(env), `${env.GCTL_CONFIG_NAME || 'gardenctl-v2'}.yaml`);
}
