import type { IO } from './io.js';

export type OutputFormat = 'yaml' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['yaml', 'json'];

/** Prints data as YAML or JSON; the YAML library loads only when YAML is asked for. */
export async function printObject(
  io: IO,
  data: unknown,
  format: OutputFormat,
  options: { sortKeys?: boolean } = {},
): Promise<void> {
  if (format === 'json') {
    io.out.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const { stringify } = await import('yaml');
  io.out.write(stringify(data, { lineWidth: 0, sortMapEntries: options.sortKeys ?? false }));
}
