import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING, firstServiceIP, supervisorConfig } from './components.js';
import { shootLayout } from './layout.js';

describe("the kubernetes service's ClusterIP", () => {
  it('is the first address of the service range', () => {
    expect(firstServiceIP('10.96.0.0/12')).toBe('10.96.0.1');
    expect(firstServiceIP('100.64.255.0/24')).toBe('100.64.255.1');
  });

  it('is refused, saying why, for a range that is no network or has no room', () => {
    expect(() => firstServiceIP('10.96.0.0')).toThrow(
      'service range 10.96.0.0 is not an IPv4 CIDR: must be an IPv4 CIDR such as 10.0.0.0/16',
    );
    expect(() => firstServiceIP('10.96.0.5/12')).toThrow(/host bits zero\), e\.g\. 10\.96\.0\.0\/12/);
    expect(() => firstServiceIP('10.96.0.5/32')).toThrow(/10\.96\.0\.5\/32 .*no room for a service address/);
  });
});

describe('the start order of a control plane', () => {
  const inputs = {
    spec: { id: 'shoot--a--b', listenAddress: '198.18.0.7', serviceCidr: '10.96.0.0/12', simulatePods: true },
    clusterName: 'shoot--a--b',
    layout: shootLayout('/seed', 'shoot--a--b'),
    ports: { etcdClient: 1, etcdPeer: 2, apiServer: 3, controllerManager: 4, scheduler: 5, kwok: 6 },
    binaries: {
      etcd: 'e',
      'kube-apiserver': 'a',
      'kube-controller-manager': 'c',
      'kube-scheduler': 's',
      kwok: 'k',
    },
    tuning: DEFAULT_TUNING,
  };
  const waits = Object.fromEntries(supervisorConfig(inputs).components.map((c) => [c.name, c.waitFor]));

  it('starts kube-apiserver once etcd accepts connections', () => {
    expect(waits['kube-apiserver']).toEqual([{ host: '127.0.0.1', port: 1 }]);
  });

  it("starts the API server's clients once it answers /readyz to their own certificates", () => {
    for (const [name, client] of [
      ['kube-controller-manager', 'kube-controller-manager'],
      ['kube-scheduler', 'kube-scheduler'],
      ['kwok', 'admin'],
    ]) {
      expect(waits[name as string]).toEqual([
        {
          host: '198.18.0.7',
          port: 3,
          https: {
            path: '/readyz',
            caFile: '/seed/shoot--a--b/pki/ca.crt',
            certFile: `/seed/shoot--a--b/pki/${client}.crt`,
            keyFile: `/seed/shoot--a--b/pki/${client}.key`,
          },
        },
      ]);
    }
  });
});
