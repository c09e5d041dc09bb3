import { OUTPUT_FORMATS } from '../cli/print.js';
import type { CommandSpec, FlagSpec } from '../cli/spec.js';
import { SHELLS } from '../shell/shells.js';

const output = (fallback: string): FlagSpec => ({
  name: 'output',
  short: 'o',
  type: 'string',
  values: OUTPUT_FORMATS,
  description: `One of 'yaml' or 'json' (default ${fallback})`,
});

export const TARGET_FLAGS: readonly FlagSpec[] = [
  { name: 'garden', type: 'string', description: 'target the given garden cluster', complete: 'gardens' },
  { name: 'project', type: 'string', description: 'target the given project', complete: 'projects' },
  { name: 'shoot', type: 'string', description: 'target the given shoot cluster', complete: 'shoots' },
  { name: 'seed', type: 'string', description: 'target the given seed (not possible with the local seed)' },
  {
    name: 'control-plane',
    type: 'bool',
    description: 'target the control plane of the shoot (not possible with the local seed)',
  },
];

const shellArg = { name: 'shell', required: true, values: SHELLS } as const;

const target: CommandSpec = {
  name: 'target',
  summary: 'Set scope for next operations, using subcommands or pattern',
  examples: `# target project "my-project" of garden "my-garden"
gardenctl target --garden my-garden --project my-project

# target shoot "my-shoot" (its project is found when none is targeted)
gardenctl target shoot my-shoot

# target a shoot by pasting a URL that matches a pattern of a configured garden
gardenctl target https://dashboard.example.com/namespace/garden-dev/shoots/demo`,
  args: [{ name: 'value' }],
  flags: TARGET_FLAGS,
  run: async () => (await import('./target.js')).runTarget,
  subcommands: [
    {
      name: 'garden',
      summary: 'Target a garden',
      args: [{ name: 'name', required: true, complete: 'gardens' }],
      run: async () => (await import('./target.js')).runTargetKind('garden'),
    },
    {
      name: 'project',
      summary: 'Target a project',
      args: [{ name: 'name', required: true, complete: 'projects' }],
      flags: [TARGET_FLAGS[0] as FlagSpec],
      run: async () => (await import('./target.js')).runTargetKind('project'),
    },
    {
      name: 'shoot',
      summary: 'Target a shoot (its project is found when none is targeted)',
      args: [{ name: 'name', required: true, complete: 'shoots' }],
      flags: TARGET_FLAGS.slice(0, 2),
      run: async () => (await import('./target.js')).runTargetKind('shoot'),
    },
    {
      name: 'seed',
      summary: 'Target a seed (the local seed has no cluster to target)',
      args: [{ name: 'name' }],
      run: async () => (await import('./target.js')).runTargetSeed('seed'),
    },
    {
      name: 'control-plane',
      summary: "Target the shoot's control plane (the local seed has no cluster to target)",
      run: async () => (await import('./target.js')).runTargetSeed('control-plane'),
    },
    {
      name: 'unset',
      summary: 'Unset target',
      examples: `# unset selected shoot
gardenctl target unset shoot

# unset garden; this also unsets a targeted project and shoot
gardenctl target unset garden`,
      args: [
        { name: 'kind', required: true, values: ['garden', 'project', 'shoot', 'seed', 'control-plane'] },
      ],
      run: async () => (await import('./target.js')).runUnset,
    },
    {
      name: 'view',
      summary: 'Print the current target',
      flags: [output('yaml'), ...TARGET_FLAGS.slice(0, 3)],
      run: async () => (await import('./target-view.js')).runView,
    },
  ],
};

const config: CommandSpec = {
  name: 'config',
  summary: 'Modify gardenctl configuration file using subcommands',
  subcommands: [
    {
      name: 'set-garden',
      summary: 'Modify or add a garden to the gardenctl configuration',
      description:
        'Modify or add a garden to the gardenctl configuration.\nA valid garden configuration consists of a name (required), kubeconfig path (required), a context as well as any number of patterns.',
      examples: `# add garden my-garden with the kubeconfig the set-up wrote
gardenctl config set-garden my-garden --kubeconfig ~/.gardener-ts/garden-kubeconfig.yaml

# target shoots by pasting dashboard-like URLs
gardenctl config set-garden my-garden --pattern "^https://dashboard\\.example\\.com/namespace/(?P<namespace>[^/]+)/shoots/(?P<shoot>[^/]+)"`,
      args: [{ name: 'name', required: true, complete: 'gardens' }],
      flags: [
        {
          name: 'kubeconfig',
          type: 'string',
          description: 'path to kubeconfig file for this garden cluster',
          complete: 'files',
        },
        {
          name: 'context',
          type: 'string',
          description: 'override the current-context of the garden cluster kubeconfig',
        },
        {
          name: 'alias',
          type: 'string',
          description:
            'unique alias of this garden that can be used instead of the name to target this garden',
        },
        {
          name: 'pattern',
          type: 'strings',
          description:
            'regex match pattern for targeting (named groups: project, namespace, shoot, seed); replaces the list, repeat for more, "" clears',
        },
      ],
      run: async () => (await import('./config.js')).runSetGarden,
    },
    {
      name: 'view',
      summary: 'Print the gardenctl configuration',
      flags: [output('yaml')],
      run: async () => (await import('./config.js')).runConfigView,
    },
    {
      name: 'delete-garden',
      summary: 'Delete the specified garden from the gardenctl configuration',
      args: [{ name: 'name', required: true, complete: 'gardens' }],
      run: async () => (await import('./config.js')).runDeleteGarden,
    },
  ],
};

export const ROOT: CommandSpec = {
  name: 'gardenctl',
  summary: 'Gardenctl is a utility to interact with Gardener installations',
  description: `Gardenctl is a utility to interact with Gardener installations.

The state of gardenctl is bound to a shell session and is not shared across windows, tabs or panes.
A shell session is defined by the environment variable GCTL_SESSION_ID. If this is not defined,
the value of the TERM_SESSION_ID environment variable is used instead. If both are not defined,
this leads to an error and gardenctl cannot be executed. The target.yaml and temporary
kubeconfig.*.yaml files are stored in the following directory \${TMPDIR}/garden/\${GCTL_SESSION_ID}.

You can make sure that GCTL_SESSION_ID or TERM_SESSION_ID is always present by adding
the following code to your terminal profile ~/.profile, ~/.bashrc or comparable file.
  bash and zsh:
      [ -n "$GCTL_SESSION_ID" ] || [ -n "$TERM_SESSION_ID" ] || export GCTL_SESSION_ID=$(uuidgen)
  fish:
      [ -n "$GCTL_SESSION_ID" ] || [ -n "$TERM_SESSION_ID" ] || set -gx GCTL_SESSION_ID (uuidgen)
Or let gardenctl do it: eval "$(gardenctl rc bash)".`,
  subcommands: [
    target,
    config,
    {
      name: 'kubeconfig',
      summary: 'Print the kubeconfig for the current target',
      examples: `# print the kubeconfig for the current target
gardenctl kubeconfig

# the garden kubeconfig with the namespace of project my-project
gardenctl kubeconfig --garden my-garden --project my-project -o json`,
      flags: [
        output('yaml'),
        { name: 'raw', type: 'bool', description: 'Display raw byte data (tokens and keys)' },
        {
          name: 'minify',
          type: 'bool',
          description: 'Remove all information not used by current-context from the output',
        },
        {
          name: 'flatten',
          type: 'bool',
          description: 'Inline referenced certificate files (self-contained output)',
        },
        {
          name: 'access-level',
          type: 'string',
          values: ['admin', 'viewer'],
          description: "shoot kubeconfig access level: 'admin' or 'viewer'",
        },
        ...TARGET_FLAGS.slice(0, 3),
      ],
      run: async () => (await import('./kubeconfig.js')).runKubeconfig,
    },
    {
      name: 'ssh',
      summary: 'Establish an SSH connection to a node of the targeted shoot through a bastion',
      description: `Establish an SSH connection to a node of the targeted shoot through a bastion.

gardenctl creates a Bastion (cli-<random>) that accepts SSH only from your address (--cidr, else
detected) and only with a key pair (temporary, or --public-key-file/--private-key-file), waits for
it, then runs ssh to the node as user gardener with the bastion as ProxyJump, checking the host
keys the bastion and the node published. While connected it keeps the bastion alive; when ssh
ends, or gardenctl is interrupted, bastion and temporary keys are removed (unless --keep-bastion).
Without NODE it lists the shoot's nodes.`,
      examples: `# list the nodes of the targeted shoot
gardenctl ssh

# open a shell on one of them
gardenctl ssh shoot--dev--demo-pool-a-z1-5f7c9-x2v4q

# only print the ssh command (the bastion and keys stay; the bastion expires an hour later)
gardenctl ssh NODE --interactive=false`,
      args: [{ name: 'node' }],
      flags: [
        {
          name: 'cidr',
          type: 'strings',
          description:
            "CIDR to allow access to the bastion from; repeat for more (default: the address this machine reaches the shoot's nodes from)",
        },
        {
          name: 'interactive',
          type: 'bool',
          description:
            'open the SSH session (default true); with --interactive=false print the ssh command and leave the bastion',
        },
        {
          name: 'keep-bastion',
          type: 'bool',
          description: 'do not delete the bastion (nor its temporary keys) when gardenctl exits',
        },
        {
          name: 'public-key-file',
          type: 'string',
          description: 'your public SSH key for the bastion (default: a temporary ed25519 key pair)',
          complete: 'files',
        },
        {
          name: 'private-key-file',
          type: 'string',
          description: 'the private key of --public-key-file',
          complete: 'files',
        },
        {
          name: 'wait-timeout',
          type: 'string',
          description: 'how long to wait for the bastion to become ready (default 10m)',
        },
        { name: 'user', type: 'string', description: 'user to log in as on the node (default "gardener")' },
        ...TARGET_FLAGS.slice(0, 3),
      ],
      run: async () => (await import('./ssh.js')).runSsh,
    },
    {
      name: 'ssh-patch',
      summary: 'Update the CIDRs a bastion accepts SSH from',
      examples: `# the one bastion of the targeted shoot accepts your current address
gardenctl ssh-patch

# a named bastion, given networks
gardenctl ssh-patch cli-abcd1234 --cidr 203.0.113.0/24 --cidr 198.51.100.7/32`,
      args: [{ name: 'bastion' }],
      flags: [
        {
          name: 'cidr',
          type: 'strings',
          description: 'CIDR to allow access to the bastion from; repeat for more (default: detected)',
        },
        ...TARGET_FLAGS.slice(0, 3),
      ],
      run: async () => (await import('./ssh.js')).runSshPatch,
    },
    {
      name: 'kubectl-env',
      aliases: ['k-env', 'cluster-env'],
      summary: 'Generate a script that points KUBECONFIG to the targeted cluster for the specified shell',
      examples: 'eval "$(gardenctl kubectl-env bash)"',
      args: [shellArg],
      flags: [
        {
          name: 'unset',
          short: 'u',
          type: 'bool',
          description: 'Generate the script to unset the KUBECONFIG environment variable',
        },
      ],
      run: async () => (await import('./kubectl-env.js')).runKubectlEnv,
    },
    {
      name: 'provider-env',
      aliases: ['p-env'],
      summary: "Generate the cloud provider CLI configuration script for the targeted shoot's cloud",
      args: [shellArg],
      flags: [
        {
          name: 'unset',
          short: 'u',
          type: 'bool',
          description: 'Generate the script to unset the cloud provider CLI environment variables',
        },
        ...TARGET_FLAGS.slice(0, 3),
      ],
      run: async () => (await import('./provider-env.js')).runProviderEnv,
    },
    {
      name: 'rc',
      summary: 'Generate a gardenctl startup script for the specified shell',
      examples: '# add to ~/.bashrc\neval "$(gardenctl rc bash)"',
      args: [shellArg],
      flags: [
        {
          name: 'prefix',
          short: 'p',
          type: 'string',
          description: 'The prefix used for aliases and functions (default "g")',
        },
        {
          name: 'no-completion',
          type: 'bool',
          description: 'The startup script should not setup completion',
        },
        {
          name: 'no-kubeconfig',
          type: 'bool',
          description: 'The startup script should not modify the KUBECONFIG environment variable',
        },
      ],
      run: async () => (await import('./rc.js')).runRc,
    },
    {
      name: 'completion',
      summary: 'Generate the autocompletion script for the specified shell',
      examples: 'source <(gardenctl completion bash)',
      args: [shellArg],
      run: async () => (await import('./completion.js')).runCompletion,
    },
    {
      name: '__complete',
      hidden: true,
      summary: 'Print completion candidates for the words after it (used by the completion scripts)',
      run: async () => (await import('./completion.js')).runComplete,
    },
    {
      name: 'version',
      summary: 'Print the gardenctl version information',
      flags: [
        output('text'),
        { name: 'short', type: 'bool', description: 'If true, print just the version number.' },
      ],
      run: async () => (await import('./version.js')).runVersion,
    },
  ],
};
