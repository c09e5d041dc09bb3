import type { Shoot } from '@gardener-ts/api';

/** Gardener's technical ID: `shoot--<project>--<name>`, the project being the namespace minus `garden-`. */
export function technicalIdOf(shoot: Shoot): string {
  const namespace = shoot.metadata.namespace ?? '';
  const project = namespace.startsWith('garden-') ? namespace.slice('garden-'.length) : namespace;
  return `shoot--${project}--${shoot.metadata.name}`;
}
