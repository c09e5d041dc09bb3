/**
 * An open-loop load generator: requests leave on a fixed schedule whatever the server does, and
 * each latency counts from the scheduled time (no coordinated omission). Shared by the API benchmarks.
 */

export interface Latencies {
  /** milliseconds of the requests that got the expected status */
  readonly latencies: number[];
  /** requests that failed or got another status */
  readonly errors: number;
  /** requests per second from the first scheduled send to the last answer */
  readonly achievedRate: number;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** The value at or below which `p` per cent of a sorted list lies (NaN for an empty list). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Waits until `due` (timers for the bulk, then setImmediate for the last millisecond). */
export async function until(due: number): Promise<void> {
  for (let left = due - performance.now(); left > 0; left = due - performance.now()) {
    await new Promise((r) => (left > 2 ? setTimeout(r, left - 1) : setImmediate(r)));
  }
}

/** Sends `count` requests at `rate` per second on a fixed schedule; latency from the scheduled time. */
export async function openLoop(
  count: number,
  rate: number,
  send: (i: number) => Promise<{ status: number }>,
  ok: number,
): Promise<Latencies> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now() + 50;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    await until(due);
    inflight.push(
      send(i).then(
        (res) => {
          if (res.status === ok) latencies.push(performance.now() - due);
          else errors++;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - start) / 1000;
  return { latencies, errors, achievedRate: count / seconds };
}
