import { Command } from 'clipanion';
import type { CommandRef, Group } from '../cli/catalogue.js';
/**
 * Every command, in the order help lists them: its paths (first path, then aliases; each class
 * declares the same, which the catalogue checks) and its module, loaded only when it runs.
 */
export const COMMANDS: readonly CommandRef[] = [
  { paths: [['target']], load: async () => (await import('./target/target.js')).TargetCommand },
  {
    paths: [['target', 'garden']],
    load: async () => (await import('./target/garden.js')).TargetGardenCommand,
  },
  {
    paths: [['target', 'project']],
    load: async () => (await import('./target/project.js')).TargetProjectCommand,
  },
  { paths: [['target', 'shoot']], load: async () => (await import('./target/shoot.js')).TargetShootCommand },
  { paths: [['target', 'seed']], load: async () => (await import('./target/seed.js')).TargetSeedCommand },
  {
    paths: [['target', 'control-plane']],
    load: async () => (await import('./target/control-plane.js')).TargetControlPlaneCommand,
  },
  { paths: [['target', 'unset']], load: async () => (await import('./target/unset.js')).TargetUnsetCommand },
  { paths: [['target', 'view']], load: async () => (await import('./target/view.js')).TargetViewCommand },
  {
    paths: [['config', 'set-garden']],
    load: async () => (await import('./config/set-garden.js')).ConfigSetGardenCommand,
  },
  { paths: [['config', 'view']], load: async () => (await import('./config/view.js')).ConfigViewCommand },
  {
    paths: [['config', 'delete-garden']],
    load: async () => (await import('./config/delete-garden.js')).ConfigDeleteGardenCommand,
  },
  { paths: [['kubeconfig']], load: async () => (await import('./kubeconfig.js')).KubeconfigCommand },
  { paths: [['get']], load: async () => (await import('./get.js')).GetCommand },
  {
    paths: [['resolve', 'garden']],
    load: async () => (await import('./resolve/garden.js')).ResolveGardenCommand,
  },
  {
    paths: [['resolve', 'project']],
    load: async () => (await import('./resolve/project.js')).ResolveProjectCommand,
  },
  { paths: [['resolve', 'seed']], load: async () => (await import('./resolve/seed.js')).ResolveSeedCommand },
  {
    paths: [['resolve', 'shoot']],
    load: async () => (await import('./resolve/shoot.js')).ResolveShootCommand,
  },
  { paths: [['ssh']], load: async () => (await import('./ssh.js')).SshCommand },
  { paths: [['ssh-patch']], load: async () => (await import('./ssh-patch.js')).SshPatchCommand },
  {
    paths: [['kubectl-env'], ['k-env'], ['cluster-env']],
    load: async () => (await import('./kubectl-env.js')).KubectlEnvCommand,
  },
  {
    paths: [['provider-env'], ['p-env']],
    load: async () => (await import('./provider-env.js')).ProviderEnvCommand,
  },
  { paths: [['rc'], ['profile']], load: async () => (await import('./rc.js')).RcCommand },
  { paths: [['completion']], load: async () => (await import('./completion.js')).CompletionCommand },
  { paths: [['version']], load: async () => (await import('./version.js')).VersionCommand },
];

/** Words that only lead to commands: gardenctl itself and `config`. */
export const GROUPS: readonly Group[] = [
  {
    path: [],
    usage: Command.Usage({
      description: 'Gardenctl is a utility to interact with Gardener installations',
      details: `Gardenctl is a utility to interact with Gardener installations.

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
    }),
  },
  {
    path: ['resolve'],
    usage: Command.Usage({
      description: 'Resolve the current target',
      details: 'Resolve garden, seed, project or shoot for the current target',
    }),
  },
  {
    path: ['config'],
    usage: Command.Usage({ description: 'Modify gardenctl configuration file using subcommands' }),
  },
];
