/** Kubernetes resource quantities (`500m`, `2`, `1Gi`, `512M`) as the numbers cgroups want. */

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Readonly<Record<string, number>> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const QUANTITY = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

function parse(text: string): { value: number; suffix: string } | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match?.[1]) return undefined;
  return { value: Number(match[1]), suffix: match[2] ?? '' };
}

/** `2` → 2000, `500m` → 500; undefined when the text is no CPU quantity above zero */
export function parseMillicores(text: string): number | undefined {
  const quantity = parse(text);
  if (!quantity) return undefined;
  const millicores =
    quantity.suffix === 'm' ? quantity.value : quantity.suffix === '' ? quantity.value * 1000 : Number.NaN;
  return Number.isInteger(millicores) && millicores > 0 ? millicores : undefined;
}

/** `1Gi` → 1073741824, `512M` → 512000000; undefined when the text is no memory quantity above zero */
export function parseBytes(text: string): number | undefined {
  const quantity = parse(text);
  if (!quantity) return undefined;
  const factor = BINARY[quantity.suffix] ?? DECIMAL[quantity.suffix];
  if (factor === undefined) return undefined;
  const bytes = Math.floor(quantity.value * factor);
  return bytes > 0 ? bytes : undefined;
}
