import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `dist/src/main.js` as a child process (LOG_LEVEL=warn) and waits until `/health` answers 200. */
export async function startServer(env: Record<string, string>, options: { cpuProfDir?: string } = {}): Promise<BenchServer> {
  const port = await freePort();
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, '-r', EXIT_ON_SIGNAL] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, MAIN], {
    // The per-client rate limit (default 6,000/min) would answer most of a benchmark with 429: raised,
    // not switched off, so its bookkeeping is still measured.
    env: { ...process.env, MIGRATIONS_RUN: 'true', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000000', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy within 60 s:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(options.cpuProfDir ? 'SIGUSR2' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
