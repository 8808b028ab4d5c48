import { parseArgs } from 'node:util';

export const CLIENT_KEYS_USAGE =
  'usage: npm run client:keys -- --client cli_… list | create [--read-only] [--expires-in 90d] | rotate [key_…] [--keep-old 24h] | revoke key_…';

/** Longest time an old key may be kept alive by `rotate --keep-old`. */
export const MAX_KEEP_OLD_MS = 30 * 86_400_000;
/** Longest lifetime `create --expires-in` may give a key. */
export const MAX_EXPIRES_IN_MS = 3_650 * 86_400_000;

export type ClientKeysCommand =
  | { command: 'list'; clientId: string }
  | { command: 'create'; clientId: string; readOnly: boolean; expiresInMs?: number }
  | { command: 'rotate'; clientId: string; keyId?: string; keepOldMs: number }
  | { command: 'revoke'; clientId: string; keyId: string };

/** Arguments that do not make a command; the message says which, the caller prints the usage line and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const CLIENT_ID = /^cli_[A-Za-z0-9_-]{1,36}$/;
const KEY_ID = /^key_[A-Za-z0-9_-]{1,36}$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `24h`, `7d` (or `0`) in milliseconds; `undefined` when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = /^(\d{1,6})([smhd])$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/** Reads `--client cli_… <command> [arguments]`; throws `UsageError` naming what is wrong. */
export function parseClientKeysArgs(argv: string[]): ClientKeysCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const clientId = values.client;
  if (!clientId) throw new UsageError('--client is required');
  if (!CLIENT_ID.test(clientId)) throw new UsageError(`--client must be a client id (cli_…); got "${clientId}"`);
  const [command, ...rest] = positionals;
  const only = (allowed: string[]) => {
    const given = (['read-only', 'keep-old', 'expires-in'] as const).filter((name) => values[name] !== undefined);
    const stray = given.find((name) => !allowed.includes(name));
    if (stray) throw new UsageError(`--${stray} does not apply to ${command}`);
  };
  const keyIdAt = (index: number, required: boolean) => {
    const keyId = rest[index];
    if (keyId === undefined && required) throw new UsageError(`${command} needs the id of a key (key_…)`);
    if (keyId !== undefined && !KEY_ID.test(keyId)) throw new UsageError(`${command} needs a key id (key_…); got "${keyId}"`);
    if (rest.length > index + 1) throw new UsageError(`unexpected argument "${rest[index + 1]}"`);
    return keyId;
  };
  switch (command) {
    case 'list':
      only([]);
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return { command, clientId };
    case 'create': {
      only(['read-only', 'expires-in']);
      if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
      const expiresInMs = values['expires-in'] === undefined ? undefined : duration('--expires-in', values['expires-in'], 1_000, MAX_EXPIRES_IN_MS);
      return { command, clientId, readOnly: values['read-only'] ?? false, ...(expiresInMs === undefined ? {} : { expiresInMs }) };
    }
    case 'rotate': {
      only(['keep-old']);
      const keyId = keyIdAt(0, false);
      const keepOldMs = values['keep-old'] === undefined ? 0 : duration('--keep-old', values['keep-old'], 0, MAX_KEEP_OLD_MS);
      return { command, clientId, keepOldMs, ...(keyId ? { keyId } : {}) };
    }
    case 'revoke':
      only([]);
      return { command, clientId, keyId: keyIdAt(0, true)! };
    case undefined:
      throw new UsageError('a command is required: list, create, rotate or revoke');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      client: { type: 'string' },
      'read-only': { type: 'boolean' },
      'keep-old': { type: 'string' },
      'expires-in': { type: 'string' },
    },
  });
}

function duration(option: string, text: string, minMs: number, maxMs: number): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${option} must be a duration such as 90s, 30m, 24h or 7d; got "${text}"`);
  if (ms < minMs || ms > maxMs) throw new UsageError(`${option} must be from ${minMs / 1000}s to ${maxMs / 86_400_000}d; got "${text}"`);
  return ms;
}
