import {
  collectionPath,
  HIBERNATED_ANNOTATION,
  INDEXED_RESOURCES,
  type IndexedResource,
  indexedByName,
  SHOOT_ANNOTATION,
} from '@gardener-ts/search/resources';
import { Command, Option } from 'clipanion';
import { GardenctlCommand } from '../cli/command.js';
import { outputOption, targetOption } from '../cli/options.js';
import { printObject } from '../cli/print.js';
import { usageError } from '../errors.js';
import type { KubeObject } from '../garden/client.js';
import { noGardenTargeted, noProjectTargeted, noShootTargeted } from '../target/manager.js';
import { manager, targetFlags } from './context.js';

const SEARCH = '/apis/search.gardener.cloud/v1alpha1';

/** `kubectl get`'s ages: 45s, 12m, 5h, 3d. */
function age(created: unknown, now: number): string {
  const ms = now - Date.parse(String(created ?? ''));
  if (Number.isNaN(ms)) return '<unknown>';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 3 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function statusOf(object: KubeObject): string {
  const status = object.status ?? {};
  return String(status.reason ?? status.phase ?? '');
}

function rows(resource: IndexedResource, items: KubeObject[]): string[][] {
  const now = Date.now();
  const header = ['SHOOT', ...(resource.namespaced ? ['NAMESPACE'] : []), 'NAME', 'STATUS', 'AGE'];
  return [
    header,
    ...items.map((item) => {
      const annotations = (item.metadata.annotations ?? {}) as Record<string, string>;
      const shoot = annotations[SHOOT_ANNOTATION] ?? '';
      return [
        annotations[HIBERNATED_ANNOTATION] === 'true' ? `${shoot} (hibernated)` : shoot,
        ...(resource.namespaced ? [item.metadata.namespace ?? ''] : []),
        item.metadata.name,
        statusOf(item) || '<none>',
        age(item.metadata.creationTimestamp, now),
      ];
    }),
  ];
}

function columns(table: string[][]): string {
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  return table
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('   ')
          .trimEnd()}\n`,
    )
    .join('');
}

/**
 * `gardenctl get pods --all-shoots`: objects of the targeted shoot, or of every shoot of the
 * targeted project, from the garden's search index (no shoot kubeconfig needed; a viewer's role
 * in the project suffices). Hibernated shoots answer from their last known state.
 */
export class GetCommand extends GardenctlCommand {
  static override paths = [['get']];
  static override usage = Command.Usage({
    description:
      "List objects of the targeted shoot, or of all the project's shoots, from the garden's search index",
    details: `Resources: ${INDEXED_RESOURCES.map((r) => r.plural).join(', ')}.`,
    examples: [
      ['pods of every shoot of the targeted project', 'gardenctl get pods --all-shoots'],
      ['deployments labelled app=web in namespace shop', 'gardenctl get deploy -n shop -l app=web'],
    ],
  });

  resource = Option.String({ name: 'resource' });
  allShoots = Option.Boolean('--all-shoots', false, {
    description: 'read every shoot of the targeted project, not only the targeted shoot',
  });
  namespace = Option.String('-n,--namespace', {
    description: 'only objects in this namespace of the shoots',
  });
  allNamespaces = Option.Boolean('-A,--all-namespaces', false, {
    description: 'objects in every namespace (the default without -n)',
  });
  selector = Option.String('-l,--selector', { description: 'label selector (kubectl syntax)' });
  fieldSelector = Option.String('--field-selector', {
    description: 'field selector: metadata.name, metadata.namespace',
  });
  output = outputOption('a table');
  garden = targetOption.garden();
  project = targetOption.project();
  shoot = targetOption.shoot();

  private kind: IndexedResource | undefined;

  protected override validate(): void {
    this.kind = indexedByName(this.resource);
    if (!this.kind)
      throw usageError(
        `the search index has no resource "${this.resource}"`,
        `give one of ${INDEXED_RESOURCES.map((r) => r.plural).join(', ')}`,
      );
    if (this.namespace && this.allNamespaces) throw usageError('give -n or -A, not both');
    if (this.namespace && !this.kind.namespaced) throw usageError(`${this.kind.plural} are not namespaced`);
  }

  protected override async run(): Promise<void> {
    const resource = this.kind as IndexedResource;
    const m = await manager(this);
    const target = await m.current(
      targetFlags({ garden: this.garden, project: this.project, shoot: this.shoot }),
    );
    if (!target.garden) throw noGardenTargeted(m.config);
    if (!target.project && !target.shoot) throw noProjectTargeted();
    if (!this.allShoots && !target.shoot) throw noShootTargeted();
    const resolved = await m.resolve(target);
    const shoot = this.allShoots ? '*' : (resolved.target.shoot ?? '');
    const root = `${SEARCH}/namespaces/${resolved.namespace}/shoots/${encodeURIComponent(shoot)}`;
    const [, prefix = '', plural = ''] = /^(.*)\/([^/]+)$/.exec(collectionPath(resource)) ?? [];
    const scope = this.namespace ? `/namespaces/${encodeURIComponent(this.namespace)}` : '';
    const query: Record<string, string> = {};
    if (this.selector) query.labelSelector = this.selector;
    if (this.fieldSelector) query.fieldSelector = this.fieldSelector;
    const client = await m.client(resolved.target.garden ?? target.garden);
    const items = await client.list(`${root}${prefix}${scope}/${plural}`, query);
    if (this.output) return printObject(this.io, { apiVersion: 'v1', kind: 'List', items }, this.output);
    if (items.length === 0) {
      this.io.err.write(`No resources found${this.namespace ? ` in ${this.namespace} namespace` : ''}.\n`);
      return;
    }
    this.io.out.write(columns(rows(resource, items)));
  }
}
