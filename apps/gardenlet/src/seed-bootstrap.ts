import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { credentialWorks, seedBootstrapKubeconfig } from './garden-access.js';

const USAGE = `usage: seed-bootstrap --seed <name> --garden-kubeconfig <admin kubeconfig> --out <file>
                      [--credential <seed kubeconfig>] [--expiration-seconds 3600]

Writes a bootstrap kubeconfig (0600) for the gardenlet of seed <name>: give it to that gardenlet as
GARDEN_BOOTSTRAP_KUBECONFIG; at its first start it trades the token, once, for the seed's credential.
With --credential, nothing is done while that seed kubeconfig still authenticates; one the garden
no longer knows is removed, so that the gardenlet bootstraps again.`;

/** True when the seed's kubeconfig is there and the garden still takes it. */
async function keepsCredential(path: string | undefined): Promise<boolean> {
  if (!path || !existsSync(path)) return false;
  if (await credentialWorks(path)) return true;
  await rm(path);
  return false;
}

try {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      'garden-kubeconfig': { type: 'string' },
      out: { type: 'string' },
      credential: { type: 'string' },
      'expiration-seconds': { type: 'string', default: '3600' },
    },
  });
  if (!values.seed || !values['garden-kubeconfig'] || !values.out) throw new Error('missing an option');
  if (await keepsCredential(values.credential)) {
    console.log(`seed "${values.seed}" keeps its credential ${values.credential}`);
    process.exit(0);
  }
  const kubeconfig = await seedBootstrapKubeconfig(
    values['garden-kubeconfig'],
    values.seed,
    Number(values['expiration-seconds']),
  );
  await writeFile(values.out, kubeconfig, { mode: 0o600 });
  console.log(`bootstrap kubeconfig for seed "${values.seed}": ${values.out}`);
} catch (error) {
  console.error(`seed-bootstrap: ${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
