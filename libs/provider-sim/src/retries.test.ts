// The sim driver against an API server that fails the way a loaded kube-apiserver does: a real
// HTTPS server (mutual TLS) that stalls, resets connections and answers 429/5xx on demand.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateMachineRequest } from '@gardener-ts/extensions';
import { MachineError, MachineErrorCode } from '@gardener-ts/extensions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiRetrySettings } from './kube/retry.js';
import { LEASES_PATH, nodePath } from './machine/objects.js';
import { createProvider, type SimProvider } from './provider.js';
import { SIM_API_VERSION } from './provider-config.js';
import { FlakyApiServer } from './testing/flaky-api-server.js';

const NODES_PATH = '/api/v1/nodes';
const FAST: ApiRetrySettings = { attempts: 5, initialDelayMs: 20, maxDelayMs: 2_000, timeoutMs: 400 };

let server: FlakyApiServer;
const providers: SimProvider[] = [];

beforeEach(async () => {
  server = await FlakyApiServer.start();
});

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.machines.close();
  await server.stop();
});

function newProvider(apiRetry: ApiRetrySettings = FAST, intervalMs = 60_000): SimProvider {
  const provider = createProvider({
    shootAccess: async () => server.access,
    apiRetry,
    heartbeat: { intervalMs },
  });
  providers.push(provider);
  return provider;
}

function machineRequest(name: string): CreateMachineRequest {
  return {
    name,
    technicalId: 'shoot--sim--flaky',
    machineClass: {
      machineType: 'sim-small',
      image: { name: 'debian', version: '12' },
      zone: 'zone-a',
      providerConfig: { apiVersion: SIM_API_VERSION, kind: 'WorkerConfig' },
    },
    bootstrap: { apiServerUrl: '', caPem: '', bootstrapToken: '', labels: {}, taints: [], sshPublicKey: '' },
    infrastructure: { nodesCidr: '10.250.0.0/16' },
  };
}

describe('sim driver against an API server that fails transiently', () => {
  it('creates the machine through a reset Node POST and a Lease POST that timed out after it was stored', async () => {
    const provider = newProvider();
    server.fail('POST', NODES_PATH, { kind: 'reset' });
    // the crash: the API server stores the Lease but answers too late
    server.fail('POST', LEASES_PATH, { kind: 'stall', afterStoring: true });

    const machine = await provider.machines.create(machineRequest('m-1'));

    expect(machine).toMatchObject({ name: 'm-1', state: 'Running' });
    expect(server.requestsTo('POST', NODES_PATH)).toHaveLength(2);
    // the second try finds the Lease stored (409) and takes it
    expect(server.requestsTo('POST', LEASES_PATH)).toHaveLength(2);
    expect(server.has(`${LEASES_PATH}/m-1`)).toBe(true);
    expect(provider.machines.apiStats()).toMatchObject({
      retries: 2,
      failures: 0,
      reasons: { ECONNRESET: 1, timeout: 1 },
    });
  });

  it("tries 429 and 5xx answers again, pausing at least the server's Retry-After", async () => {
    const provider = newProvider();
    await provider.machines.create(machineRequest('m-2'));
    const path = nodePath('m-2');
    server.fail('GET', path, { kind: 'status', status: 429, retryAfterSeconds: 1 });
    server.fail('GET', path, { kind: 'status', status: 500 });
    server.fail('GET', path, { kind: 'status', status: 503 });

    expect(await provider.machines.status(machineRequest('m-2'))).toMatchObject({ name: 'm-2' });

    const reads = server.requestsTo('GET', path).map((r) => r.at);
    expect(reads).toHaveLength(4);
    expect((reads[1] ?? 0) - (reads[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(provider.machines.apiStats()).toMatchObject({
      retries: 3,
      failures: 0,
      reasons: { 'HTTP 429': 1, 'HTTP 500': 1, 'HTTP 503': 1 },
    });
  });

  it('gives up after the configured tries with a retryable error, and counts the failure', async () => {
    const provider = newProvider({ ...FAST, attempts: 3 });
    server.fail('POST', NODES_PATH, { kind: 'status', status: 503 }, 100);

    const error = await provider.machines.create(machineRequest('m-3')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MachineError);
    expect(error).toMatchObject({ code: MachineErrorCode.Unavailable, retryable: true });
    expect((error as Error).message).toMatch(/register node m-3: HTTP 503/);
    expect(server.requestsTo('POST', NODES_PATH)).toHaveLength(3);
    expect(provider.machines.apiStats()).toMatchObject({
      retries: 2,
      failures: 1,
      reasons: { 'HTTP 503': 3 },
    });
  });

  it('bounds a call to a server that never answers: tries × timeout plus the pauses', async () => {
    const provider = newProvider({ attempts: 3, initialDelayMs: 20, maxDelayMs: 40, timeoutMs: 300 });
    server.fail('POST', NODES_PATH, { kind: 'stall' }, 100);
    const started = Date.now();

    const error = await provider.machines.create(machineRequest('m-4')).catch((e: unknown) => e);

    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: MachineErrorCode.Unavailable, retryable: true });
    expect((error as Error).message).toMatch(/timed out after 300 ms/);
    expect(server.requestsTo('POST', NODES_PATH)).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    expect(provider.machines.apiStats()).toMatchObject({ failures: 1, reasons: { timeout: 3 } });
  });

  it('does not try a final answer again (403, 422): the machine controller decides', async () => {
    const provider = newProvider();
    server.fail('POST', NODES_PATH, { kind: 'status', status: 403 });
    server.fail('POST', NODES_PATH, { kind: 'status', status: 422 });

    const forbidden = await provider.machines.create(machineRequest('m-5')).catch((e: unknown) => e);
    const invalid = await provider.machines.create(machineRequest('m-5')).catch((e: unknown) => e);

    expect(forbidden).toMatchObject({ code: MachineErrorCode.Internal });
    expect(invalid).toMatchObject({ code: MachineErrorCode.Internal });
    expect(server.requestsTo('POST', NODES_PATH)).toHaveLength(2);
    expect(provider.machines.apiStats()).toMatchObject({ retries: 0, failures: 0 });
  });

  it('a heartbeat renews its Leases through resets and 503s without a failed renewal', async () => {
    const provider = newProvider(FAST, 500);
    const request = machineRequest('m-7');
    await provider.machines.create(request);
    const lease = `${LEASES_PATH}/m-7`;
    server.fail('PATCH', lease, { kind: 'reset' });
    server.fail('PATCH', lease, { kind: 'status', status: 503 });
    const renewals = () => server.requestsTo('PATCH', lease).length;

    for (let i = 0; i < 100 && renewals() < 3; i += 1) await sleep(50);

    expect(renewals()).toBe(3);
    expect(provider.machines.lastHeartbeat(request.technicalId)).toMatchObject({ nodes: 1, failed: 0 });
    expect(provider.machines.apiStats()).toMatchObject({
      failures: 0,
      reasons: { ECONNRESET: 1, 'HTTP 503': 1 },
    });
  });

  it('close ends a call that waits for its next try at once', async () => {
    const provider = newProvider({ attempts: 5, initialDelayMs: 10_000, maxDelayMs: 10_000, timeoutMs: 400 });
    server.fail('POST', NODES_PATH, { kind: 'status', status: 503 }, 100);
    const creating = provider.machines.create(machineRequest('m-6')).catch((e: unknown) => e);
    for (let i = 0; i < 100 && server.requestsTo('POST', NODES_PATH).length === 0; i += 1) {
      await sleep(20);
    }
    const closed = Date.now();
    provider.machines.close();

    expect(await creating).toMatchObject({ code: MachineErrorCode.Unavailable });
    expect(Date.now() - closed).toBeLessThan(1_000);
    expect(server.requestsTo('POST', NODES_PATH)).toHaveLength(1);
    expect(provider.machines.apiStats()).toMatchObject({ failures: 1 });
  });
});
