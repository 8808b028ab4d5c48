import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on loopback, for a server process to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LaunchedServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/**
 * Starts the built server (`main`, i.e. `dist/src/main.js`) as a real process with migrations on
 * and quiet logs (both overridable through `env`), and waits for `/health` to answer 200. Shared by
 * the tests that cross processes and crashes and by the benchmark.
 */
export async function launchServer(options: {
  main: string;
  env: Record<string, string>;
  port?: number;
  nodeArgs?: string[];
  /** The Node binary to run it with (default: the one running this process). */
  node?: string;
  timeoutMs?: number;
  /** Keep only the last this many characters of output (a long benchmark logs every request). */
  outputLimit?: number;
}): Promise<LaunchedServer> {
  const port = options.port ?? (await freePort());
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), options.main], {
    env: { ...process.env, MIGRATIONS_RUN: 'true', LOG_LEVEL: 'warn', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const limit = options.outputLimit ?? Infinity;
  const keep = (chunk: Buffer) => {
    out += chunk;
    if (out.length > 2 * limit) out = out.slice(-limit);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready:\n${out}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, port, child, output: () => out, exited };
}
