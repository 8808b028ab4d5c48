import { join } from 'node:path';
import { launchServer } from '../scripts/server-process';

/** The built server, next to this file once compiled: dist/bench/server.js -> dist/src/main.js. */
const MAIN = join(__dirname, '..', 'src', 'main.js');
/** Preload that turns SIGUSR2 into process.exit(0), so `--cpu-prof` gets to write its profile. */
const EXIT_ON_SIGNAL = join(__dirname, 'exit-on-signal.js');

export interface BenchServer {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `dist/src/main.js` as a child process with production settings (auth, validation, metrics,
 * request logs at `info`, unless `env` says otherwise) and waits until `/health` answers 200.
 */
export async function startServer(
  env: Record<string, string>,
  options: { cpuProfDir?: string; main?: string; node?: string } = {},
): Promise<BenchServer> {
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${options.cpuProfDir}`, '-r', EXIT_ON_SIGNAL] : [];
  // The per-client rate limit (default 6,000/min) would answer most of a benchmark with 429: raised,
  // not switched off, so its bookkeeping is still measured.
  const { url, child, output, exited } = await launchServer({
    main: options.main ?? MAIN,
    env: { RATE_LIMIT_PER_MINUTE: '1000000000', LOG_LEVEL: 'info', ...env },
    nodeArgs,
    node: options.node,
    timeoutMs: 60_000,
    outputLimit: 64 * 1024,
  });
  return {
    url,
    pid: child.pid!,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(options.cpuProfDir ? 'SIGUSR2' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
