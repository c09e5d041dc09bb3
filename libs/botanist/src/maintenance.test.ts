import { exampleCloudProfile, exampleShoot } from '@gardener-ts/api';
import { describe, expect, it } from 'vitest';
import { inMaintenanceWindow, maintenancePatch, maintenanceUpdates } from './maintenance.js';

function profile() {
  const p = exampleCloudProfile();
  p.spec.kubernetes.versions = [
    { version: '1.34.0' },
    { version: '1.34.4' },
    { version: '1.34.9', classification: 'preview' },
    { version: '1.35.1' },
  ];
  const debian = p.spec.machineImages[0];
  if (debian) debian.versions = [...debian.versions, { ...debian.versions[0], version: '12.5' } as never];
  return p;
}

function shoot(autoUpdate: { kubernetesVersion: boolean; machineImageVersion?: boolean }) {
  const s = exampleShoot('m', 'garden-dev');
  s.spec.kubernetes.version = '1.34.0';
  s.spec.maintenance = { autoUpdate };
  return s;
}

describe('maintenance', () => {
  it('moves to the latest supported patch of the same minor and the newest image, never to a preview', () => {
    const updates = maintenanceUpdates(
      shoot({ kubernetesVersion: true, machineImageVersion: true }),
      profile(),
    );
    expect(updates.kubernetesVersion).toBe('1.34.4');
    expect(updates.workerImages).toEqual([{ pool: 'pool-a', version: '12.5' }]);
    expect(updates.changes).toEqual(['Kubernetes 1.34.0 → 1.34.4', 'pool pool-a: image debian 12 → 12.5']);
    expect(maintenancePatch(shoot({ kubernetesVersion: true }), updates)).toEqual({
      spec: {
        kubernetes: { version: '1.34.4' },
        provider: { workers: [{ name: 'pool-a', machine: { image: { name: 'debian', version: '12.5' } } }] },
      },
    });
  });

  it('changes nothing without autoUpdate, unless the current version has expired', () => {
    expect(maintenanceUpdates(shoot({ kubernetesVersion: false }), profile()).changes).toEqual([]);
    const expiring = profile();
    expiring.spec.kubernetes.versions[0] = { version: '1.34.0', expirationDate: '2020-01-01T00:00:00Z' };
    expect(maintenanceUpdates(shoot({ kubernetesVersion: false }), expiring).kubernetesVersion).toBe(
      '1.34.4',
    );
  });

  it('knows its time window, in the window’s own offset and across midnight', () => {
    const at = (iso: string) => new Date(iso);
    expect(
      inMaintenanceWindow({ begin: '220000+0100', end: '230000+0100' }, at('2026-11-25T21:30:00Z')),
    ).toBe(true);
    expect(
      inMaintenanceWindow({ begin: '220000+0100', end: '230000+0100' }, at('2026-11-25T22:30:00Z')),
    ).toBe(false);
    expect(
      inMaintenanceWindow({ begin: '230000+0000', end: '010000+0000' }, at('2026-11-25T00:30:00Z')),
    ).toBe(true);
    expect(
      inMaintenanceWindow({ begin: '230000+0000', end: '010000+0000' }, at('2026-11-25T12:00:00Z')),
    ).toBe(false);
  });
});
