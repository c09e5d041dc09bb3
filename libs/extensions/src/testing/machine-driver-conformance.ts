import { expect, it } from 'vitest';
import type { CreateMachineRequest, MachineDriver, MachineInfo, MachineRef } from '../machine/driver.js';
import { MachineError, MachineErrorCode } from '../machine/errors.js';

/** What a provider supplies to run the conformance cases against its own MachineDriver. */
export interface MachineDriverConformanceSubject {
  readonly driver: MachineDriver;
  /** the technical ID of a shoot no other case uses; each call returns a new one */
  newShoot(): string;
  /** a create request for a machine of that shoot, with a name no other request has */
  newRequest(technicalId: string): CreateMachineRequest;
  /**
   * Leaves the cloud as a create interrupted half-way would (the process killed between the
   * cloud's first and last call): something of the machine exists, nothing recorded it.
   */
  interruptCreate(request: CreateMachineRequest): Promise<void>;
  /** what of this machine is still in the cloud, by any means the provider has; empty when clean */
  leftovers?(ref: MachineRef): Promise<string[]>;
}

const refOf = (request: CreateMachineRequest): MachineRef => ({
  name: request.name,
  technicalId: request.technicalId,
});

const namesOf = (machines: readonly MachineInfo[]) => machines.map((m) => m.name).sort();

async function statusError(driver: MachineDriver, ref: MachineRef): Promise<unknown> {
  return driver.status(ref).then(
    (info) => new Error(`status of ${ref.name} returned ${JSON.stringify(info)} instead of failing`),
    (error: unknown) => error,
  );
}

/** Deletes every request's machine whatever happened in the case, so no case leaks machines. */
async function withCleanup(
  driver: MachineDriver,
  requests: readonly CreateMachineRequest[],
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
  } finally {
    await Promise.allSettled(requests.map((request) => driver.delete(refOf(request))));
  }
}

/**
 * Cases every MachineDriver must pass (the idempotency and error contract of
 * machine/driver.ts). Call inside a `describe` of the provider's test:
 * `describe('my cloud', () => machineDriverConformance(() => subject))`.
 */
export function machineDriverConformance(subject: () => MachineDriverConformanceSubject): void {
  it('conformance: create twice returns the same machine, listed once', async () => {
    const { driver, newShoot, newRequest } = subject();
    const request = newRequest(newShoot());
    await withCleanup(driver, [request], async () => {
      const first = await driver.create(request);
      const second = await driver.create(request);
      expect(first.name).toBe(request.name);
      expect(first.providerId).not.toBe('');
      expect(second).toMatchObject({
        name: first.name,
        providerId: first.providerId,
        nodeName: first.nodeName,
      });
      const listed = (await driver.list(request.technicalId)).filter((m) => m.name === request.name);
      expect(listed).toHaveLength(1);
      expect(listed[0]?.providerId).toBe(first.providerId);
    });
  });

  it('conformance: status of a created machine is what create returned', async () => {
    const { driver, newShoot, newRequest } = subject();
    const request = newRequest(newShoot());
    await withCleanup(driver, [request], async () => {
      const created = await driver.create(request);
      const status = await driver.status({ ...refOf(request), providerId: created.providerId });
      expect(status).toMatchObject({
        name: request.name,
        providerId: created.providerId,
        nodeName: created.nodeName,
        state: 'Running',
      });
    });
  });

  it('conformance: delete twice raises no error; then status is NotFound and list omits it', async () => {
    const { driver, newShoot, newRequest, leftovers } = subject();
    const request = newRequest(newShoot());
    const ref = refOf(request);
    await withCleanup(driver, [request], async () => {
      await driver.create(request);
      await driver.delete(ref);
      await driver.delete(ref);
      const error = await statusError(driver, ref);
      expect(error).toBeInstanceOf(MachineError);
      expect(error).toMatchObject({ code: MachineErrorCode.NotFound, retryable: false });
      expect(namesOf(await driver.list(request.technicalId))).not.toContain(request.name);
      if (leftovers) expect(await leftovers(ref)).toEqual([]);
    });
  });

  it('conformance: delete of a machine that never existed succeeds; its status is NotFound', async () => {
    const { driver, newShoot, newRequest } = subject();
    const ref = refOf(newRequest(newShoot()));
    await driver.delete(ref);
    expect(await statusError(driver, ref)).toMatchObject({ code: MachineErrorCode.NotFound });
  });

  it("conformance: list shows exactly the given shoot's machines", async () => {
    const { driver, newShoot, newRequest } = subject();
    const [one, other] = [newShoot(), newShoot()];
    const ofOne = [newRequest(one), newRequest(one)];
    const ofOther = [newRequest(other)];
    await withCleanup(driver, [...ofOne, ...ofOther], async () => {
      await Promise.all([...ofOne, ...ofOther].map((request) => driver.create(request)));
      expect(namesOf(await driver.list(one))).toEqual(ofOne.map((r) => r.name).sort());
      expect(namesOf(await driver.list(other))).toEqual([ofOther[0]?.name]);
      const [gone, kept] = ofOne as [CreateMachineRequest, CreateMachineRequest];
      await driver.delete(refOf(gone));
      expect(namesOf(await driver.list(one))).toEqual([kept.name]);
      expect(await driver.list(newShoot())).toEqual([]);
    });
  });

  it('conformance: delete after an interrupted create leaves nothing', async () => {
    const { driver, newShoot, newRequest, interruptCreate, leftovers } = subject();
    const request = newRequest(newShoot());
    const ref = refOf(request);
    await withCleanup(driver, [request], async () => {
      await interruptCreate(request);
      if (leftovers) expect(await leftovers(ref)).not.toEqual([]);
      await driver.delete(ref);
      expect(await statusError(driver, ref)).toMatchObject({ code: MachineErrorCode.NotFound });
      expect(namesOf(await driver.list(request.technicalId))).not.toContain(request.name);
      if (leftovers) expect(await leftovers(ref)).toEqual([]);
    });
  });

  it('conformance: create after an interrupted create completes the machine', async () => {
    const { driver, newShoot, newRequest, interruptCreate } = subject();
    const request = newRequest(newShoot());
    await withCleanup(driver, [request], async () => {
      await interruptCreate(request);
      const created = await driver.create(request);
      expect(created).toMatchObject({ name: request.name, state: 'Running' });
      expect(namesOf(await driver.list(request.technicalId))).toEqual([request.name]);
    });
  });
}
