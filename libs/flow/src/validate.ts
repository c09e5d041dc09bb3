import { FlowError, FlowErrorCode } from './errors.js';
import type { Task } from './task.js';

/** Unique ids, known dependencies, no cycles: checked when the flow is built, not when it runs. */
export function validateGraph(flowName: string, tasks: readonly Task[]): void {
  const invalid = (message: string) =>
    new FlowError(FlowErrorCode.InvalidGraph, `flow "${flowName}": ${message}`);
  const ids = new Set<string>();
  for (const task of tasks) {
    if (ids.has(task.id)) throw invalid(`task "${task.id}" is defined twice`);
    ids.add(task.id);
  }
  for (const task of tasks) {
    for (const dep of task.dependencies ?? []) {
      if (!ids.has(dep)) throw invalid(`task "${task.id}" depends on unknown task "${dep}"`);
    }
  }
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const visiting = new Set<string>();
  const visited = new Set<string>();
  const visit = (id: string, path: string[]) => {
    if (visited.has(id)) return;
    if (visiting.has(id)) throw invalid(`dependency cycle ${[...path, id].join(' → ')}`);
    visiting.add(id);
    for (const dep of byId.get(id)?.dependencies ?? []) visit(dep, [...path, id]);
    visiting.delete(id);
    visited.add(id);
  };
  for (const id of ids) visit(id, []);
}
