/**
 * Every pinned binary the project builds from the Go module proxy. Changing a pin (or its
 * wrapper's go.mod/go.sum or ldflags) changes the cache key, so only that tool is rebuilt.
 */
export const KUBERNETES_VERSION = 'v1.34.4';

export interface BinarySpec {
  /** file name inside the tool's bin directory */
  readonly file: string;
  /** Go import path of the main package */
  readonly goPackage: string;
  /** environment variable that lets a user supply their own build */
  readonly env: string;
  /** how the binary proves its version */
  readonly check: VersionCheck;
}

export type VersionCheck =
  | { readonly kind: 'output'; readonly args: readonly string[]; readonly expect: RegExp }
  /** Terraform providers print no version: `go version -m` shows the module they were built from. */
  | { readonly kind: 'go-module'; readonly module: string; readonly moduleVersion: string };

export interface ToolPin {
  readonly name: string;
  readonly version: string;
  /** folder under infra/toolchain/wrappers holding the wrapper go.mod/go.sum */
  readonly wrapper: string;
  readonly ldflags: string;
  /** rough peak memory of the build, used to decide how many builds run at once */
  readonly buildMemoryGiB: number;
  readonly binaries: readonly BinarySpec[];
  /** set for OpenTofu providers: where the binary goes in the filesystem mirror */
  readonly provider?: ProviderPin;
}

export interface ProviderPin {
  readonly type: string;
  readonly namespace: 'hashicorp';
  /** the version the @cdktf/provider-* binding writes into required_providers */
  readonly bindingVersion: string;
}

const kubeVersionLdflags = (() => {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
})();

const kubeBinary = (name: string, args: string[], expect: RegExp): BinarySpec => ({
  file: name,
  goPackage: `k8s.io/kubernetes/cmd/${name}`,
  env: envName(name),
  check: { kind: 'output', args, expect },
});

const escapedKubeVersion = KUBERNETES_VERSION.replaceAll('.', '\\.');
const kubeServerVersion = new RegExp(`^Kubernetes ${escapedKubeVersion}$`, 'm');

function providerPin(
  type: string,
  version: string,
  bindingVersion: string,
  module: string,
  moduleVersion: string,
): ToolPin {
  return {
    name: `provider-${type}`,
    version,
    wrapper: `provider-${type}`,
    ldflags: '',
    buildMemoryGiB: 2,
    provider: { type, namespace: 'hashicorp', bindingVersion },
    binaries: [
      {
        file: `terraform-provider-${type}_v${version}`,
        goPackage: module,
        env: envName(`provider-${type}`),
        check: { kind: 'go-module', module, moduleVersion },
      },
    ],
  };
}

export function envName(binary: string): string {
  return `GARDENER_TS_${binary.toUpperCase().replaceAll('-', '_')}`;
}

export const TOOL_PINS: readonly ToolPin[] = [
  {
    name: 'kubernetes',
    version: KUBERNETES_VERSION,
    wrapper: 'kubernetes',
    ldflags: kubeVersionLdflags,
    buildMemoryGiB: 6,
    binaries: [
      kubeBinary('kube-apiserver', ['--version'], kubeServerVersion),
      kubeBinary('kube-controller-manager', ['--version'], kubeServerVersion),
      kubeBinary('kube-scheduler', ['--version'], kubeServerVersion),
      kubeBinary('kubelet', ['--version'], kubeServerVersion),
      kubeBinary('kube-proxy', ['--version'], kubeServerVersion),
      kubeBinary(
        'kubectl',
        ['version', '--client'],
        new RegExp(`^Client Version: ${escapedKubeVersion}$`, 'm'),
      ),
    ],
  },
  {
    name: 'etcd',
    version: 'v3.6.16',
    wrapper: 'etcd',
    ldflags: '',
    buildMemoryGiB: 3,
    binaries: [
      {
        file: 'etcd',
        goPackage: 'go.etcd.io/etcd/server/v3',
        env: envName('etcd'),
        check: { kind: 'output', args: ['--version'], expect: /^etcd Version: 3\.6\.16$/m },
      },
    ],
  },
  {
    name: 'opentofu',
    version: 'v1.12.6',
    wrapper: 'opentofu',
    ldflags: '-X github.com/opentofu/opentofu/version.dev=no',
    buildMemoryGiB: 4,
    binaries: [
      {
        file: 'tofu',
        goPackage: 'github.com/opentofu/opentofu/cmd/tofu',
        env: envName('tofu'),
        check: { kind: 'output', args: ['version'], expect: /^OpenTofu v1\.12\.6$/m },
      },
    ],
  },
  {
    name: 'kwok',
    version: 'v0.7.0',
    wrapper: 'kwok',
    ldflags: '',
    buildMemoryGiB: 3,
    binaries: [
      {
        file: 'kwok',
        goPackage: 'sigs.k8s.io/kwok/cmd/kwok',
        env: envName('kwok'),
        check: { kind: 'output', args: ['--version'], expect: /0\.7\.0/ },
      },
    ],
  },
  {
    name: 'crane',
    version: 'v0.22.1',
    wrapper: 'crane',
    ldflags: '-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=v0.22.1',
    buildMemoryGiB: 1,
    binaries: [
      {
        file: 'crane',
        goPackage: 'github.com/google/go-containerregistry/cmd/crane',
        env: envName('crane'),
        check: { kind: 'output', args: ['version'], expect: /^v0\.22\.1$/m },
      },
    ],
  },
  {
    // the CoreDNS version kubeadm deploys with Kubernetes 1.34 (its CoreDNSVersion constant)
    name: 'coredns',
    version: 'v1.12.1',
    wrapper: 'coredns',
    ldflags: '-X github.com/coredns/coredns/coremain.GitCommit=v1.12.1',
    buildMemoryGiB: 3,
    binaries: [
      {
        file: 'coredns',
        goPackage: 'github.com/coredns/coredns',
        env: envName('coredns'),
        check: { kind: 'output', args: ['-version'], expect: /^CoreDNS-1\.12\.1$/m },
      },
    ],
  },
  providerPin(
    'tls',
    '4.1.0',
    '4.1.0',
    'github.com/hashicorp/terraform-provider-tls',
    'v1.2.1-0.20250423195406-eefba144662d',
  ),
  providerPin(
    'random',
    '3.7.2',
    '3.7.2',
    'github.com/terraform-providers/terraform-provider-random',
    'v1.3.2-0.20250422105519-bc2ddb552b46',
  ),
  // The binding pins local 2.6.1, whose commit the Go module proxy does not serve; 2.9.0 is the
  // nearest release it does, same major version and schema-compatible (see README).
  providerPin(
    'local',
    '2.9.0',
    '2.6.1',
    'github.com/terraform-providers/terraform-provider-local',
    'v1.4.1-0.20260513075820-3561e410f9fe',
  ),
];
