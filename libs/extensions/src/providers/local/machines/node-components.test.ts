import { describe, expect, it } from 'vitest';
import type { PlacedMachineSpec } from './machine-spec.js';
import { containerdConfig, kubeletArgs, kubeletConfig, registryHostsFiles } from './node-components.js';

function spec(labels: Record<string, string>): PlacedMachineSpec {
  return {
    name: 'node-a',
    technicalId: 'shoot--p--s',
    providerId: 'local:///shoot--p--s/node-a',
    machineType: 'local-small',
    zone: 'zone-a',
    millicores: 1000,
    memoryBytes: 2 ** 30,
    bridge: 'gts-x',
    gateway: '10.0.0.1',
    network: { network: 0x0a000000, prefix: 24 },
    address: '10.0.0.2',
    bootstrap: {
      apiServerUrl: 'https://10.0.0.1:6443',
      caPem: 'ca',
      bootstrapToken: 'abcdef.0123456789abcdef',
      labels,
      taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }],
      sshPublicKey: 'ssh-ed25519 AAAA',
    },
  };
}

describe("the node's components", () => {
  it('passes the kubelet only labels it may set, valid ones, each flag on its own line', () => {
    const args = kubeletArgs(
      spec({
        'worker.gardener.cloud/pool': 'pool-a',
        'node-role.kubernetes.io/master': '',
        'evil.k8s.io/x': 'y',
        'bad key': 'x',
        'newline/x': 'a\n--cloud-provider=evil',
        'ok.example.com/tier': 'gold',
      }),
    );
    const labels = args.find((a) => a.startsWith('--node-labels='));
    expect(labels).toBe(
      '--node-labels=node.kubernetes.io/instance-type=local-small,topology.kubernetes.io/zone=zone-a,worker.gardener.cloud/pool=pool-a,ok.example.com/tier=gold',
    );
    expect(args.every((a) => !a.includes('\n'))).toBe(true);
    expect(args).toContain('--node-ip=10.0.0.2');
  });

  it('registers with the pool taints and reserves the host CPUs beyond the machine type', () => {
    const config = kubeletConfig(spec({})) as Record<string, unknown>;
    expect(config.registerWithTaints).toEqual([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]);
    expect(config.featureGates).toEqual({ KubeletInUserNamespace: true });
    expect(config.authorization).toEqual({ mode: 'Webhook' });
    expect(JSON.stringify(config)).not.toContain('abcdef.0123456789abcdef');
  });

  it('quotes the sandbox image in the containerd configuration', () => {
    expect(containerdConfig('a"b')).toContain('sandbox_image = "a\\"b"');
  });

  it('sends pulls of the seed registry to its mirror only, and tries the mirror before Docker Hub', () => {
    const files = registryHostsFiles({
      pauseImage: 'p',
      localRegistry: '127.0.0.1:5001',
      mirror: '169.254.77.1:5001',
    });
    const byPath = Object.fromEntries(files.map((file) => [file.path, file.content]));
    expect(byPath['/etc/containerd/certs.d/127.0.0.1:5001/hosts.toml']).toMatch(
      /^server = "http:\/\/169\.254\.77\.1:5001"\n\n\[host\."http:\/\/169\.254\.77\.1:5001"\]\n {2}capabilities = \["pull", "resolve"\]\n$/,
    );
    const hub = byPath['/etc/containerd/certs.d/docker.io/hosts.toml'] ?? '';
    expect(hub).toContain('server = "https://registry-1.docker.io"');
    expect(hub).toContain('[host."http://169.254.77.1:5001"]');
    expect(hub).not.toContain('push');
    expect(containerdConfig('p')).toContain('config_path = "/etc/containerd/certs.d"');
  });
});
