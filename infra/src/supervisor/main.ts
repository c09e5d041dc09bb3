/**
 * Runs one long-lived service under a ServiceSupervisor:
 *
 *   node infra/dist/supervisor/main.js --name gardener-api --run-dir DIR -- COMMAND [ARGS...]
 *
 * up.sh starts it detached (setsid) with its pidfile and log in DIR; the service's output goes to
 * the same log. SIGTERM or SIGINT stop the service and the supervisor; SIGKILL of the supervisor
 * takes the service with it (pdeathsig).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BACKOFF } from './backoff.js';
import { ServiceSupervisor } from './service-supervisor.js';

const USAGE =
  'usage: supervisor --name NAME [--run-dir DIR] [--initial-backoff-ms N] [--max-backoff-ms N] ' +
  '[--reset-after-ms N] [--stop-grace-ms N] -- COMMAND [ARGS...]';

function milliseconds(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${flag} must be a whole number of milliseconds`);
  return parsed;
}

function main(argv: readonly string[]): void {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      'run-dir': { type: 'string' },
      'initial-backoff-ms': { type: 'string' },
      'max-backoff-ms': { type: 'string' },
      'reset-after-ms': { type: 'string' },
      'stop-grace-ms': { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  if (!values.name || !command) throw new Error(USAGE);
  const runDir = values['run-dir'];
  const supervisor = new ServiceSupervisor({
    name: values.name,
    command,
    args,
    backoff: {
      initialMs: milliseconds(
        values['initial-backoff-ms'],
        DEFAULT_BACKOFF.initialMs,
        '--initial-backoff-ms',
      ),
      maxMs: milliseconds(values['max-backoff-ms'], DEFAULT_BACKOFF.maxMs, '--max-backoff-ms'),
      resetAfterMs: milliseconds(values['reset-after-ms'], DEFAULT_BACKOFF.resetAfterMs, '--reset-after-ms'),
    },
    stopGraceMs: milliseconds(values['stop-grace-ms'], 20_000, '--stop-grace-ms'),
    childPidFile: runDir ? join(runDir, `${values.name}.child.pid`) : undefined,
    statusFile: runDir ? join(runDir, `${values.name}.status.json`) : undefined,
  });
  const stop = () => void supervisor.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {}); // the terminal that ran up.sh may go; the service stays
  supervisor.start();
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
