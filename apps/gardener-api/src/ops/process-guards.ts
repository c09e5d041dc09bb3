import type { Logger } from 'pino';

export interface ProcessGuardOptions {
  /** Closes the server (stops accepting, ends watches, closes pools). */
  shutdown(): Promise<void>;
  /** How long shutdown may take after an uncaught exception before the process exits anyway. */
  graceMs?: number;
  exit?: (code: number) => void;
}

export interface ProcessGuards {
  onUnhandledRejection(reason: unknown): void;
  onUncaughtException(error: unknown): void;
}

/** What a failure says in the log: its name, message and stack; a non-Error only by its type. */
function describeFailure(failure: unknown): Record<string, unknown> {
  if (failure instanceof Error) return { name: failure.name, message: failure.message, stack: failure.stack };
  return { type: failure === null ? 'null' : typeof failure };
}

/**
 * The process's answer to failures no request handler caught (those become 500 Statuses there):
 *
 * - an unhandled rejection is logged and the API keeps serving: a promise nobody awaited left no
 *   half-done synchronous work behind, and exiting would let any forgotten `.catch` reachable by a
 *   request take the garden down;
 * - an uncaught exception is logged and the process exits with 1 after a bounded graceful
 *   shutdown: the stack it unwound may have left state half-changed (Node documents that resuming
 *   is unsafe), and the supervisor (`npm run up`) restarts the API with backoff.
 */
export function processGuards(logger: Logger, options: ProcessGuardOptions): ProcessGuards {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let exiting = false;
  return {
    onUnhandledRejection(reason) {
      logger.error(
        { failure: describeFailure(reason) },
        'unhandled promise rejection; the API keeps serving',
      );
    },
    onUncaughtException(error) {
      logger.fatal({ failure: describeFailure(error) }, 'uncaught exception; exiting for a restart');
      if (exiting) return exit(1);
      exiting = true;
      const timer = setTimeout(() => exit(1), options.graceMs ?? 5_000);
      timer.unref();
      void options
        .shutdown()
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(timer);
          exit(1);
        });
    },
  };
}

/** Installs the guards on this process (main.ts only: tests call the returned handlers directly). */
export function installProcessGuards(logger: Logger, options: ProcessGuardOptions): ProcessGuards {
  const guards = processGuards(logger, options);
  process.on('unhandledRejection', guards.onUnhandledRejection);
  process.on('uncaughtException', guards.onUncaughtException);
  return guards;
}
