// A stand-in for a gardenlet in the lifecycle tests: deploys a control plane, writes some data,
// says READY and waits to be killed. Run: node --import scripts/dev/register-ts.mjs starter.ts <root> <id>
import { writeFileSync } from 'node:fs';
import { LocalSeedBackend } from '../index.js';
import { kubectl } from './tools.js';

const [root, id] = process.argv.slice(2);
if (!root || !id) throw new Error('usage: starter.ts <root> <id>');
const backend = new LocalSeedBackend({ root });
await backend.deploy({ id, listenAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12' });
await backend.waitReady(id, { timeoutMs: 120_000 });
const admin = await backend.issueKubeconfig(id, { role: 'admin', user: 'starter' });
const kubeconfig = `${root}/${id}-starter.kubeconfig`;
writeFileSync(kubeconfig, admin.kubeconfig, { mode: 0o600 });
const created = await kubectl(
  kubeconfig,
  'create',
  'configmap',
  'survivor',
  '--from-literal=written-by=starter',
);
if (created.code !== 0) throw new Error(created.stderr);
process.stdout.write('READY\n');
setInterval(() => {}, 60_000);
