import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleSeed, exampleShoot, SHOOT_LABEL } from '@gardener-ts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, CORE, type HttpsGarden, startHttpsGarden } from './testing/https-garden.js';

/**
 * Issue 19, outcome 5 (and 8 for `kubectl describe shoot` and `kubectl events`): Events in core/v1
 * and events.k8s.io/v1, who may read and write them, the scheduler's events and their expiry.
 * Project dev (garden-dev): dev-owner, dev-admin, dev-viewer; project other: other-admin;
 * `stranger` has no role. Shoots: dev/mine on seed local, dev/theirs and other/also on seed far.
 * Over HTTPS: kubectl sends no bearer token to a plain-HTTP server.
 */

const DEV = 'garden-dev';
const OTHER = 'garden-other';
const coreEvents = (ns: string) => `/api/v1/namespaces/${ns}/events`;
const v1Events = (ns: string) => `/apis/events.k8s.io/v1/namespaces/${ns}/events`;
const MERGE = 'application/merge-patch+json';

let garden: HttpsGarden;
const call: HttpsGarden['call'] = (...args) => garden.call(...args);
const kubectl: HttpsGarden['kubectl'] = (user, ...args) => garden.kubectl(user, ...args);
const uids: Record<string, string> = {};

async function expectStatus(answer: Promise<Answer>, status: number): Promise<Answer> {
  const settled = await answer;
  expect(settled.status, JSON.stringify(settled.body)).toBe(status);
  return settled;
}

async function createShoot(name: string, namespace: string, seedName?: string): Promise<void> {
  const shoot = exampleShoot(name, namespace) as unknown as {
    spec: { seedName?: string; networking: { nodes?: string } };
  };
  if (seedName) shoot.spec.seedName = seedName;
  delete shoot.spec.networking.nodes;
  const answer = await expectStatus(
    call('admin', 'POST', `${CORE}/namespaces/${namespace}/shoots`, shoot),
    201,
  );
  uids[name] = (answer.body.metadata as { uid: string }).uid;
}

/** A core/v1 event about a shoot, as the gardenlet's recorder writes it. */
function eventAbout(shoot: string, namespace: string, name: string, fields: Record<string, unknown> = {}) {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, labels: { [SHOOT_LABEL]: shoot } },
    involvedObject: {
      apiVersion: 'core.gardener.cloud/v1beta1',
      kind: 'Shoot',
      namespace,
      name: shoot,
      uid: uids[shoot],
    },
    type: 'Normal',
    reason: 'Reconciling',
    message: 'Reconciling Shoot cluster state',
    source: { component: 'gardenlet' },
    reportingComponent: 'gardenlet',
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    ...fields,
  };
}

const names = (answer: Answer) => (answer.body.items ?? []).map((i) => i.metadata.name).sort();

beforeAll(async () => {
  garden = await startHttpsGarden('events', { GARDENER_EVENT_EXPIRY_SECONDS: '1' });
  await expectStatus(
    call('admin', 'POST', `${CORE}/seeds`, { ...exampleSeed(), metadata: { name: 'far' } }),
    201,
  );
  await createShoot('mine', DEV, 'local');
  await createShoot('theirs', DEV, 'far');
  await createShoot('also', OTHER, 'far');
  garden.tokens.local = await garden.seedCredential('local');
  garden.tokens.far = await garden.seedCredential('far');
}, 120_000);

afterAll(async () => {
  await garden?.stop();
});

describe('events in core/v1 and events.k8s.io/v1: the same stored objects', () => {
  it('one written through either version reads through both, fields renamed as Kubernetes does', async () => {
    await expectStatus(call('admin', 'POST', coreEvents(DEV), eventAbout('mine', DEV, 'mine.core')), 201);
    const asV1 = await expectStatus(call('admin', 'GET', `${v1Events(DEV)}/mine.core`), 200);
    // a recent micro-time, so the expiry (1 h TTL) leaves it for the watch test below
    const eventTime = new Date().toISOString().replace(/Z$/, '456Z');
    expect(asV1.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      regarding: { kind: 'Shoot', name: 'mine', uid: uids.mine },
      note: 'Reconciling Shoot cluster state',
      reportingController: 'gardenlet',
      deprecatedCount: 1,
      deprecatedSource: { component: 'gardenlet' },
    });
    expect(asV1.body.involvedObject).toBeUndefined();
    await expectStatus(
      call('admin', 'POST', v1Events(DEV), {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'mine.v1' },
        eventTime,
        regarding: { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Shoot', name: 'mine', namespace: DEV },
        reason: 'ReconcileError',
        note: '[ERR_INFRA_QUOTA_EXCEEDED] Failed to reconcile Shoot cluster (will be retried): quota',
        type: 'Warning',
        action: 'Reconcile',
        reportingController: 'gardenlet',
        reportingInstance: 'host-1',
      }),
      201,
    );
    const asCore = await expectStatus(call('admin', 'GET', `${coreEvents(DEV)}/mine.v1`), 200);
    expect(asCore.body).toMatchObject({
      apiVersion: 'v1',
      involvedObject: { kind: 'Shoot', name: 'mine' },
      message: expect.stringContaining('ERR_INFRA_QUOTA_EXCEEDED'),
      reportingComponent: 'gardenlet',
      eventTime,
    });
  });

  it('selects by the fields kubectl uses, in each version its own names', async () => {
    const byShoot = 'involvedObject.kind=Shoot,involvedObject.name=mine,involvedObject.namespace=garden-dev';
    const core = await expectStatus(call('admin', 'GET', `${coreEvents(DEV)}?fieldSelector=${byShoot}`), 200);
    expect(names(core)).toEqual(['mine.core', 'mine.v1']);
    const warnings = await call('admin', 'GET', `${coreEvents(DEV)}?fieldSelector=${byShoot},type=Warning`);
    expect(names(warnings)).toEqual(['mine.v1']);
    const byUid = await call(
      'admin',
      'GET',
      `${coreEvents(DEV)}?fieldSelector=involvedObject.uid=${uids.mine}`,
    );
    expect(names(byUid)).toEqual(['mine.core']);
    const v1 = await expectStatus(
      call('admin', 'GET', `${v1Events(DEV)}?fieldSelector=regarding.name=mine,reason=ReconcileError`),
      200,
    );
    expect(v1.body.apiVersion).toBe('events.k8s.io/v1');
    expect(names(v1)).toEqual(['mine.v1']);
    expect((v1.body.items ?? [])[0]?.regarding).toMatchObject({ name: 'mine' });
    const unsupported = await expectStatus(
      call('admin', 'GET', `${v1Events(DEV)}?fieldSelector=involvedObject.name=mine`),
      400,
    );
    expect(unsupported.body.message).toMatch(/field label not supported: involvedObject.name/);
  });

  it('both versions are discovered', async () => {
    const core = await expectStatus(call('dev-viewer', 'GET', '/api/v1'), 200);
    expect(JSON.stringify(core.body.resources)).toContain('"name":"events"');
    const v1 = await expectStatus(call('dev-viewer', 'GET', '/apis/events.k8s.io/v1'), 200);
    expect(v1.body.resources).toEqual([
      expect.objectContaining({ name: 'events', kind: 'Event', namespaced: true }),
    ]);
  });
});

describe('events are the system’s: members read them, nobody but the system writes them', () => {
  it('a viewer reads the events of its project; a user without a role reads none', async () => {
    expect(names(await expectStatus(call('dev-viewer', 'GET', coreEvents(DEV)), 200))).toContain('mine.core');
    await expectStatus(call('dev-viewer', 'GET', `${v1Events(DEV)}/mine.core`), 200);
    const stranger = await expectStatus(call('stranger', 'GET', coreEvents(DEV)), 403);
    expect(stranger.body.message).toMatch(/User "stranger" cannot list resource "events"/);
    await expectStatus(call('other-admin', 'GET', `${v1Events(DEV)}/mine.core`), 403);
  });

  it('no project role creates, changes or deletes an event, in either version', async () => {
    for (const user of ['dev-viewer', 'dev-admin', 'dev-owner', 'stranger']) {
      const create = await expectStatus(
        call(user, 'POST', coreEvents(DEV), eventAbout('mine', DEV, `forged-${user}`)),
        403,
      );
      expect(create.body.message).toMatch(/events are recorded by the gardener only|cannot create/);
      await expectStatus(
        call(user, 'POST', v1Events(DEV), {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: `forged-v1-${user}` },
          regarding: { kind: 'Shoot', name: 'mine', namespace: DEV },
          note: 'all is fine',
        }),
        403,
      );
      await expectStatus(
        call(user, 'PATCH', `${coreEvents(DEV)}/mine.v1`, { message: 'all is fine' }, MERGE),
        403,
      );
      await expectStatus(call(user, 'DELETE', `${coreEvents(DEV)}/mine.v1`), 403);
      await expectStatus(call(user, 'DELETE', `${v1Events(DEV)}/mine.v1`), 403);
    }
    const still = await expectStatus(call('admin', 'GET', `${coreEvents(DEV)}/mine.v1`), 200);
    expect(still.body.message).toMatch(/ERR_INFRA_QUOTA_EXCEEDED/);
  });
});

describe('a seed records events only about the objects of its own shoots', () => {
  it('the gardenlet of the shoot’s seed creates and counts up an event about it, and nothing else', async () => {
    await expectStatus(call('local', 'POST', coreEvents(DEV), eventAbout('mine', DEV, 'mine.seed')), 201);
    const counted = await expectStatus(
      call(
        'local',
        'PATCH',
        `${coreEvents(DEV)}/mine.seed`,
        { count: 2, lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
        MERGE,
      ),
      200,
    );
    expect(counted.body.count).toBe(2);
    await expectStatus(call('local', 'DELETE', `${coreEvents(DEV)}/mine.seed`), 403);
    await expectStatus(call('local', 'GET', `${coreEvents(DEV)}/mine.seed`), 403);
    await expectStatus(call('local', 'GET', coreEvents(DEV)), 403);
    // the label that names its shoot cannot be moved to another shoot
    await expectStatus(
      call(
        'local',
        'PATCH',
        `${coreEvents(DEV)}/mine.seed`,
        { metadata: { labels: { [SHOOT_LABEL]: 'theirs' } } },
        MERGE,
      ),
      403,
    );
  });

  it('a seed credential of another seed is refused: create, patch, delete, events about another project’s shoot', async () => {
    const far = await expectStatus(
      call('far', 'POST', coreEvents(DEV), eventAbout('mine', DEV, 'mine.far')),
      403,
    );
    expect(far.body.message).toMatch(/does not belong to a shoot of seed "far"/);
    await expectStatus(call('far', 'PATCH', `${coreEvents(DEV)}/mine.seed`, { count: 9 }, MERGE), 403);
    await expectStatus(call('far', 'DELETE', `${coreEvents(DEV)}/mine.seed`), 403);
    // local about shoots of seed far: in its own project, and in another project
    await expectStatus(
      call('local', 'POST', coreEvents(DEV), eventAbout('theirs', DEV, 'theirs.local')),
      403,
    );
    await expectStatus(
      call('local', 'POST', coreEvents(OTHER), eventAbout('also', OTHER, 'also.local')),
      403,
    );
    // its own shoot, claimed in another project's namespace
    await expectStatus(
      call('local', 'POST', coreEvents(OTHER), eventAbout('mine', DEV, 'mine.elsewhere')),
      403,
    );
    // the right shoot with another uid, or a label naming another shoot, or about a secret
    const staleUid = eventAbout('mine', DEV, 'mine.stale');
    staleUid.involvedObject.uid = '00000000-0000-0000-0000-000000000000';
    await expectStatus(call('local', 'POST', coreEvents(DEV), staleUid), 403);
    const relabelled = eventAbout('mine', DEV, 'mine.relabelled', {
      metadata: { name: 'mine.relabelled', labels: { [SHOOT_LABEL]: 'theirs' } },
    });
    await expectStatus(call('local', 'POST', coreEvents(DEV), relabelled), 403);
    const aboutSecret = eventAbout('mine', DEV, 'mine.secret');
    aboutSecret.involvedObject = {
      ...aboutSecret.involvedObject,
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'mine.ssh-keypair',
    };
    await expectStatus(call('local', 'POST', coreEvents(DEV), aboutSecret), 403);
    // an event of another seed's shoot is not local's to count up
    await expectStatus(call('far', 'POST', coreEvents(DEV), eventAbout('theirs', DEV, 'theirs.far')), 201);
    await expectStatus(call('local', 'PATCH', `${coreEvents(DEV)}/theirs.far`, { count: 2 }, MERGE), 403);
  });
});

describe('the scheduler records its decisions', () => {
  it('a shoot bound at create gets SchedulingSuccessful naming the seed', async () => {
    await createShoot('placed', DEV);
    const selector = `fieldSelector=involvedObject.kind=Shoot,involvedObject.name=placed,involvedObject.uid=${uids.placed}`;
    let events: Answer['body']['items'] = [];
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && events.length === 0; await sleep(100))
      events = (await call('dev-viewer', 'GET', `${coreEvents(DEV)}?${selector}`)).body.items ?? [];
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Normal',
        reason: 'SchedulingSuccessful',
        message: expect.stringMatching(/^Scheduled to seed '(local|far)'$/),
        source: { component: 'gardener-scheduler' },
      }),
    ]);
  });
});

describe('the scheduler records why it cannot place a shoot', () => {
  it('a shoot that fits no seed gets SchedulingFailed with the reason', async () => {
    const visible = (value: boolean) =>
      Promise.all(
        ['local', 'far'].map((seed) =>
          expectStatus(
            call(
              'admin',
              'PATCH',
              `${CORE}/seeds/${seed}`,
              { spec: { settings: { scheduling: { visible: value } } } },
              MERGE,
            ),
            200,
          ),
        ),
      );
    await visible(false);
    try {
      await createShoot('nowhere', DEV);
      const selector = 'fieldSelector=involvedObject.name=nowhere,reason=SchedulingFailed';
      let events: Answer['body']['items'] = [];
      for (
        const deadline = Date.now() + 10_000;
        Date.now() < deadline && events.length === 0;
        await sleep(100)
      )
        events = (await call('dev-viewer', 'GET', `${coreEvents(DEV)}?${selector}`)).body.items ?? [];
      expect(events).toEqual([
        expect.objectContaining({
          type: 'Warning',
          message:
            'Failed to schedule shoot: 0/2 seeds are available: 2 seeds are not visible for scheduling',
          source: { component: 'gardener-scheduler' },
        }),
      ]);
    } finally {
      await visible(true);
    }
  });
});

describe('events are watched in either version', () => {
  it('a watch of events.k8s.io/v1 with a regarding.* selector gets the stored events in its version', async () => {
    const path = `${v1Events(DEV)}?watch=true&timeoutSeconds=2&fieldSelector=regarding.name=mine,type=Warning`;
    const lines = await new Promise<string[]>((resolve, reject) => {
      const req = httpsRequest(
        `${garden.server.url}${path}`,
        { headers: { authorization: `Bearer ${garden.tokens['dev-viewer']}` }, ca: garden.ca },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => resolve(text.split('\n').filter(Boolean)));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const events = lines.map((line) => JSON.parse(line) as { type: string; object: Record<string, unknown> });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.type).toBe('ADDED');
      expect(event.object).toMatchObject({
        apiVersion: 'events.k8s.io/v1',
        type: 'Warning',
        regarding: { name: 'mine' },
      });
    }
  });
});

describe('kubectl shows a shoot’s events', () => {
  it('kubectl describe shoot has the Events section; kubectl events --for shoot/<name> lists them', async () => {
    const failure = eventAbout('mine', DEV, 'mine.failed', {
      type: 'Warning',
      reason: 'ReconcileError',
      message:
        '[ERR_INFRA_QUOTA_EXCEEDED] Failed to reconcile Shoot cluster (will be retried): quota exceeded',
    });
    await expectStatus(call('local', 'POST', coreEvents(DEV), failure), 201);
    const described = await kubectl('dev-viewer', 'describe', 'shoot', 'mine', '-n', DEV);
    expect(described.stderr).toBe('');
    const events = described.stdout.slice(described.stdout.indexOf('\nEvents:'));
    expect(events).toMatch(/Type\s+Reason\s+Age\s+From\s+Message/);
    expect(events).toMatch(
      /Warning\s+ReconcileError\s+\S+\s+gardenlet\s+\[ERR_INFRA_QUOTA_EXCEEDED\] Failed to reconcile/,
    );
    expect(events).toMatch(/Normal\s+Reconciling\s+\S+\s+gardenlet\s+Reconciling Shoot cluster state/);
    expect(events).not.toMatch(/placed|theirs/);
    const listed = await kubectl('dev-viewer', 'events', '-n', DEV, '--for', 'shoot/mine');
    expect(listed.stderr).toBe('');
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(listed.stdout).toMatch(/Warning\s+ReconcileError\s+Shoot\/mine\s+\[ERR_INFRA_QUOTA_EXCEEDED\]/);
    expect(listed.stdout).not.toMatch(/Shoot\/(placed|theirs)/);
    const stranger = await kubectl('stranger', 'events', '-n', DEV, '--for', 'shoot/mine');
    expect(stranger.code).not.toBe(0);
    // kubectl get events (core/v1 and events.k8s.io/v1): the server's table, kubectl's columns
    for (const resource of ['events', 'events.v1.events.k8s.io']) {
      const got = await kubectl(
        'dev-viewer',
        'get',
        resource,
        '-n',
        DEV,
        '--field-selector',
        'reason=ReconcileError',
      );
      expect(got.stderr).toBe('');
      expect(got.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
      expect(got.stdout).toMatch(/Warning\s+ReconcileError\s+shoot\/mine\s+\[ERR_INFRA_QUOTA_EXCEEDED\]/);
    }
  });
});

describe('old events expire', () => {
  it('an event that has not happened for the TTL (1 h) is deleted; a recent one stays', async () => {
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    await expectStatus(
      call(
        'admin',
        'POST',
        coreEvents(DEV),
        eventAbout('mine', DEV, 'mine.old', { firstTimestamp: old, lastTimestamp: old }),
      ),
      201,
    );
    let status = 200;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && status === 200; await sleep(200))
      status = (await call('admin', 'GET', `${coreEvents(DEV)}/mine.old`)).status;
    expect(
      status,
      garden.server
        .output()
        .split('\n')
        .filter((l) => /event/i.test(l))
        .join('\n'),
    ).toBe(404);
    await expectStatus(call('admin', 'GET', `${coreEvents(DEV)}/mine.core`), 200);
  });
});
