import { join } from 'node:path';
import { freePort, LaunchedServer, launchServer } from '../../scripts/server-process';

export { freePort };

export interface ServerProcess extends Omit<LaunchedServer, 'exited'> {
  /** SIGKILL: no shutdown hooks, no rollback by the app; the database sees the connection die. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/**
 * Starts the built server (`dist/src/main.js`, built by `pretest`) as a real process and waits for
 * `/health` to answer 200. Used by the suites that prove behaviour across processes and crashes.
 */
export async function startServer(env: Record<string, string>, options: { port?: number; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const { exited, ...server } = await launchServer({ main: MAIN, env, ...options });
  const signal = async (name: NodeJS.Signals) => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(name);
    await exited;
  };
  return { ...server, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
