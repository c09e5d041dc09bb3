// Loaded into our API's process by the side-by-side benchmark (`node --import`): the first SIGWINCH
// (not SIGUSR2: Nest's shutdown hooks take that one; SIGWINCH is ignored where this is not loaded)
// starts V8's CPU profiler, the next writes what it sampled to $BENCH_CPU_PROFILE_DIR/<n>.cpuprofile
// (Chrome DevTools or speedscope open it). Plain JavaScript, so it also loads without the TS hook.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR ?? '.';
const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
let profiling = false;
let written = 0;

async function toggle() {
  if (!profiling) {
    profiling = true;
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    return;
  }
  profiling = false;
  const { profile } = await post('Profiler.stop');
  const file = join(dir, `${++written}.cpuprofile`);
  // written under another name first: the benchmark waits for the final one
  writeFileSync(`${file}.tmp`, JSON.stringify(profile));
  renameSync(`${file}.tmp`, file);
}

process.on('SIGWINCH', () => {
  toggle().catch((error) => console.error('cpu profile:', error));
});
