/**
 * gardenctl-v2 logs through klog: `-v N` shows the lines of level N and below on stderr, in klog's
 * header format. Levels used here: 1 the configuration file, 4 the decisions a command takes
 * (access level, kubeconfig written), 6 each request to the garden (method, URL, status, time),
 * 7 also its headers (credentials masked), as client-go's round trippers log them.
 */
export class Logger {
  constructor(
    private readonly out: NodeJS.WritableStream,
    public level = 0,
  ) {}

  enabled(level: number): boolean {
    return this.level >= level;
  }

  /** An info line shown from `-v level` up; `values` as klog's key="value" pairs. */
  info(level: number, message: string, values: Readonly<Record<string, unknown>> = {}): void {
    if (this.enabled(level)) this.out.write(klogLine(message, values));
  }
}

const two = (n: number) => String(n).padStart(2, '0');

/** `I1207 05:42:05.123456   12345 gardenctl] "message" key="value"` */
function klogLine(message: string, values: Readonly<Record<string, unknown>>): string {
  const now = new Date();
  const micros = String(now.getMilliseconds() * 1000).padStart(6, '0');
  const stamp = `${two(now.getMonth() + 1)}${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${micros}`;
  const pairs = Object.entries(values).map(([key, value]) => ` ${key}=${JSON.stringify(value)}`);
  return `I${stamp} ${String(process.pid).padStart(7)} gardenctl] ${JSON.stringify(message)}${pairs.join('')}\n`;
}

/** `-v`'s value: a level from 0 (klog's Level is a non-negative number). */
export function parseLevel(text: string | undefined): number | undefined {
  if (text === undefined) return 0;
  return /^\d{1,2}$/.test(text) ? Number(text) : undefined;
}
