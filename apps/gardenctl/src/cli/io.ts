/** Where a command writes, and whether colour is allowed there (only on a terminal, never with NO_COLOR). */
export interface IO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  outColour: boolean;
  errColour: boolean;
}

function colourAllowed(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function processIO(env: NodeJS.ProcessEnv = process.env): IO {
  return {
    out: process.stdout,
    err: process.stderr,
    outColour: colourAllowed(process.stdout, env),
    errColour: colourAllowed(process.stderr, env),
  };
}

const CODES = { red: 31, yellow: 33, green: 32, bold: 1 } as const;

export function paint(enabled: boolean, colour: keyof typeof CODES, text: string): string {
  return enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

export function warn(io: IO, message: string): void {
  io.err.write(`${paint(io.errColour, 'yellow', 'WARN')} ${message}\n`);
}
