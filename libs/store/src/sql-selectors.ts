import type { FieldRequirement, LabelRequirement } from '@gardener-ts/api';

/** Builds SQL conditions with numbered parameters, starting after the ones already in `params`. */
export class SqlConditions {
  readonly clauses: string[] = [];

  constructor(readonly params: unknown[]) {}

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  labels(requirements: readonly LabelRequirement[]): void {
    const labels = `(body -> 'metadata' -> 'labels')`;
    for (const r of requirements) {
      const key = this.param(r.key);
      if (r.op === 'exists') this.add(`coalesce(${labels} ? ${key}, false)`);
      else if (r.op === 'notexists') this.add(`NOT coalesce(${labels} ? ${key}, false)`);
      else if (r.op === 'in') this.add(`(${labels} ->> ${key}) = ANY(${this.param(r.values)}::text[])`);
      else if (r.op === 'notin')
        this.add(`NOT coalesce((${labels} ->> ${key}) = ANY(${this.param(r.values)}::text[]), false)`);
    }
  }

  fields(requirements: readonly FieldRequirement[]): void {
    for (const r of requirements) {
      const column =
        r.field === 'metadata.name'
          ? 'name'
          : r.field === 'metadata.namespace'
            ? 'namespace'
            : `coalesce(body #>> ${this.param(r.field.split('.'))}::text[], '')`;
      this.add(`${column} ${r.op === 'eq' ? '=' : '<>'} ${this.param(r.value)}`);
    }
  }

  where(): string {
    return this.clauses.length > 0 ? `WHERE ${this.clauses.join(' AND ')}` : '';
  }
}
