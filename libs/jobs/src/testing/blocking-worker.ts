// Child process for the kill -9 test: a worker whose reconcile never ends.
//   node blocking-worker.js REDIS_URL PREFIX
import { Redis } from 'ioredis';
import { startShootWorker } from '../shoot-worker.js';

const [url = '', prefix = ''] = process.argv.slice(2);
startShootWorker({
  connection: new Redis(url, { maxRetriesPerRequest: null }),
  seedName: 'local',
  prefix,
  lockDurationMs: 1_000,
  stalledIntervalMs: 1_000,
  leaseTtlMs: 1_500,
  reconcile: async () => {
    console.log('reconciling');
    await new Promise(() => {});
  },
});
