import type { OperationType, ShootStatusWriter } from './shoot-status.js';

/**
 * The live lastOperation of one flow run: percent and running tasks from the flow, plus a note a
 * long task adds ("2/3 machines Ready"). Writes go out one at a time, in order.
 */
export class ProgressNote {
  private percent = 0;
  private running: readonly string[] = [];
  private detail = '';
  private writes = Promise.resolve();
  private target?: { status: ShootStatusWriter; type: OperationType };

  attach(status: ShootStatusWriter, type: OperationType): void {
    this.target = { status, type };
  }

  get current(): number {
    return this.percent;
  }

  flow(percent: number, running: readonly string[]): void {
    this.percent = percent;
    if (running.join() !== this.running.join()) this.detail = '';
    this.running = running;
    this.write();
  }

  note(detail: string): void {
    if (detail === this.detail) return;
    this.detail = detail;
    this.write();
  }

  /** resolves once every write so far is done (failed writes are dropped: the next one repeats) */
  settled(): Promise<void> {
    return this.writes;
  }

  private write(): void {
    const target = this.target;
    if (!target) return;
    const tasks = this.running.length ? `running ${this.running.join(', ')}` : 'finishing';
    const description = this.detail ? `${tasks} (${this.detail})` : tasks;
    const percent = this.percent;
    this.writes = this.writes
      .then(() => target.status.progress(target.type, percent, description).then(() => undefined))
      .catch(() => undefined);
  }
}
