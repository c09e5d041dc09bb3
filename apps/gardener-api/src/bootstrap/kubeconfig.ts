import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export interface GardenKubeconfig {
  server: string;
  /** Absent for plain HTTP on loopback. */
  caPem: string | undefined;
  token: string;
}

export function renderGardenKubeconfig(options: GardenKubeconfig): string {
  const cluster: Record<string, string> = { server: options.server };
  if (options.caPem) cluster['certificate-authority-data'] = Buffer.from(options.caPem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'garden',
    clusters: [{ name: 'garden', cluster }],
    users: [{ name: 'garden-admin', user: { token: options.token } }],
    contexts: [{ name: 'garden', context: { cluster: 'garden', user: 'garden-admin' } }],
    preferences: {},
  });
}

/** Writes the garden admin's kubeconfig (mode 0600) when missing or out of date. */
export function writeGardenKubeconfig(path: string, options: GardenKubeconfig): boolean {
  const text = renderGardenKubeconfig(options);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return true;
}

/** Puts a new admin token into an existing garden kubeconfig (after a rotation); false when there is none. */
export function replaceGardenKubeconfigToken(path: string, token: string): boolean {
  if (!existsSync(path)) return false;
  const config = parse(readFileSync(path, 'utf8')) as {
    users?: Array<{ name?: string; user?: { token?: string } }>;
  };
  const user = config.users?.find((u) => u.name === 'garden-admin');
  if (!user) return false;
  user.user = { ...user.user, token };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  chmodSync(path, 0o600);
  return true;
}
