import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_API_KEY_CACHE_TTL_MS } from '../src/config/app-config';
import { createTestDatabase, describeOnMysql, TestDatabase } from './support/databases';
import { startServer, ServerProcess } from './support/server-process';

const SCRIPTS = join(__dirname, '..', 'dist', 'scripts');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built command-line script (`npm run client:…` without the build step) to completion. */
async function cli(script: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(SCRIPTS, script), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function secretIn(output: string): string {
  const match = /shown only now; store it safely\): (sk_test_\S+)/.exec(output);
  if (!match) throw new Error(`no secret in: ${output}`);
  return match[1];
}

/**
 * Revocation across processes: two real servers on one MariaDB database, each with its own
 * API-key cache, and the real `client:keys` command. Once the documented bound
 * (`API_KEY_CACHE_TTL_MS`, default 5 s) has passed after `revoke` returned, both refuse the key.
 */
describeOnMysql('revoking a key on %s with two server processes', (kind) => {
  let db: TestDatabase;
  const servers: ServerProcess[] = [];
  let env: Record<string, string>;
  let clientId: string;
  let firstKey: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url };
    const created = await cli('create-client.js', ['--name', 'acme'], env); // `client:create` keeps working; migrates the database
    expect(created.code).toBe(0);
    clientId = /client (cli_\S+)/.exec(created.stdout)![1];
    firstKey = secretIn(created.stdout);
    // One after the other: each runs the (already applied) migrations at start-up.
    servers.push(await startServer(env));
    servers.push(await startServer(env));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await db?.drop();
  }, 60_000);

  const statusOn = async (server: ServerProcess, apiKey: string) => {
    const res = await fetch(`${server.url}/v1/accounts`, { headers: { Authorization: `Bearer ${apiKey}` } });
    return { status: res.status, code: res.status === 200 ? undefined : ((await res.json()) as { code: string }).code };
  };

  it(`stops working in every process within ${DEFAULT_API_KEY_CACHE_TTL_MS} ms of the revoke, while the client's other key keeps working`, async () => {
    const second = await cli('client-keys.js', ['--client', clientId, 'create'], env);
    expect(second.code).toBe(0);
    const secondKey = secretIn(second.stdout);

    // Both processes have looked the key up (and cached it as valid).
    for (const server of servers) for (let i = 0; i < 3; i++) expect(await statusOn(server, firstKey)).toEqual({ status: 200 });

    const listed = await cli('client-keys.js', ['--client', clientId, 'list'], env);
    expect(listed.code).toBe(0);
    const firstKeyId = listed.stdout.split('\n').find((line) => line.includes(firstKey.slice(0, 12)))!.split(/\s+/)[0];
    expect(firstKeyId).toMatch(/^key_/);

    const revoked = await cli('client-keys.js', ['--client', clientId, 'revoke', firstKeyId], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`key ${firstKeyId}`);
    // The bound, counted from when the revocation had committed (the command returned), plus a
    // little for timers firing early; no request after it may be answered from an older lookup.
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_API_KEY_CACHE_TTL_MS + 50));

    for (const server of servers) {
      expect(await statusOn(server, firstKey)).toEqual({ status: 401, code: 'invalid_api_key' });
      expect(await statusOn(server, secondKey)).toEqual({ status: 200 });
    }
  });

  it('list shows prefixes, access, state and last use, and never a secret', async () => {
    const listed = await cli('client-keys.js', ['--client', clientId, 'list'], env);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['id', 'prefix', 'access', 'state', 'created', 'last used']);
    expect(lines).toHaveLength(3);
    expect(listed.stdout).toContain(`${firstKey.slice(0, 12)}…`);
    expect(listed.stdout).not.toContain(firstKey);
    expect(listed.stdout).not.toMatch(/sk_test_[A-Za-z0-9_-]{13,}/);
    const firstLine = lines.find((line) => line.includes(firstKey.slice(0, 12)))!;
    expect(firstLine).toMatch(/revoked 20\d\d-/);
    expect(firstLine).toMatch(/Z\s+20\d\d-\S+Z$/); // used by the servers: a last-use time, not "never"
  });

  it('rotate prints the new secret once and, with --keep-old, keeps the old key working', async () => {
    const rotated = await cli('client-keys.js', ['--client', clientId, 'rotate', '--keep-old', '1h'], env);
    expect(rotated.code).toBe(0);
    const newKey = secretIn(rotated.stdout);
    expect(rotated.stdout).toMatch(/old key key_\S+ \(sk_test_.{4}…\) keeps working until/);
    for (const server of servers) expect(await statusOn(server, newKey)).toEqual({ status: 200 });
  });

  it.each([
    [['--client', 'cli_x', 'rotate', '--keep-old', 'forever'], /--keep-old must be a duration/],
    [['--client', 'cli_x'], /a command is required/],
    [['list'], /--client is required/],
    [['--client', 'cli_x', 'revoke'], /revoke needs the id of a key/],
  ])('bad arguments %j: the problem, the usage line, exit 2', async (args, problem) => {
    const run = await cli('client-keys.js', args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(problem);
    expect(run.stderr).toContain('usage: npm run client:keys -- --client cli_… list | create [--read-only]');
    expect(run.stdout).toBe('');
  });

  it('an unknown client or key is named, with exit 1', async () => {
    const noClient = await cli('client-keys.js', ['--client', 'cli_doesnotexist', 'list'], env);
    expect({ code: noClient.code, stderr: noClient.stderr.trim() }).toEqual({ code: 1, stderr: 'client:keys: There is no client cli_doesnotexist.' });
    const noKey = await cli('client-keys.js', ['--client', clientId, 'revoke', 'key_doesnotexist'], env);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain(`Client ${clientId} has no key key_doesnotexist`);
  });
});
