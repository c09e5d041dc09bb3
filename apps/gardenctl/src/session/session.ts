import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GardenctlError, GardenctlErrorCode } from '../errors.js';

const SESSION_ID = /^[\w-]{1,128}$/;
const UUID = /([a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12})/;

export const SESSION_HINT =
  'add this to ~/.bashrc or ~/.zshrc (or run it in this shell): ' +
  '[ -n "$GCTL_SESSION_ID" ] || [ -n "$TERM_SESSION_ID" ] || export GCTL_SESSION_ID=$(uuidgen); ' +
  'or use eval "$(gardenctl rc bash)", which does it for you';

/** The shell session's id: GCTL_SESSION_ID, else the UUID inside TERM_SESSION_ID (as gardenctl-v2). */
export function sessionId(env: NodeJS.ProcessEnv): string {
  const own = env.GCTL_SESSION_ID;
  if (own !== undefined) {
    if (SESSION_ID.test(own)) return own;
    throw new GardenctlError(
      GardenctlErrorCode.NoSession,
      'environment variable GCTL_SESSION_ID must only contain alphanumeric characters, underscore and dash and have a minimum length of 1 and a maximum length of 128',
      'set it to a UUID, e.g. export GCTL_SESSION_ID=$(uuidgen)',
    );
  }
  const match = UUID.exec((env.TERM_SESSION_ID ?? '').toLowerCase());
  if (match?.[1]) return match[1];
  throw new GardenctlError(
    GardenctlErrorCode.NoSession,
    'environment variable GCTL_SESSION_ID is required. Use "gardenctl help" for more information about the requirements of gardenctl',
    SESSION_HINT,
  );
}

/** `$TMPDIR/garden/<session id>`: target.yaml and the session's kubeconfigs live here (mode 0700). */
export function sessionDir(env: NodeJS.ProcessEnv, create = true): string {
  const dir = join(env.TMPDIR || tmpdir(), 'garden', sessionId(env));
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
