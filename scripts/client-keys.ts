import 'reflect-metadata';
import type { ApiKeyEntity } from '../src/auth/api-key.entity';
import { ClientKeysCommand, CLIENT_KEYS_USAGE, parseClientKeysArgs, UsageError } from '../src/auth/client-keys.args';
import type { ClientKeysService, IssuedKey } from '../src/auth/client-keys.service';
import { keyState } from '../src/auth/key-state';
import { RotationNotPossibleError } from '../src/auth/auth.errors';
import { DomainError } from '../src/common/domain-error';

/**
 * `npm run client:keys -- --client cli_… list | create [--read-only] | rotate [--keep-old 24h] | revoke key_…`.
 * Secrets are printed once, by `create` and `rotate`; `list` shows prefixes only. Exit 2 on bad
 * arguments (with the usage line), 1 when the command cannot be carried out.
 */
async function main(): Promise<void> {
  let command: ClientKeysCommand;
  try {
    command = parseClientKeysArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(error.message);
  }
  // Loaded only for a valid command, so that a usage error answers at once.
  const [{ NestFactory }, { AppModule }, { loadAppConfig }, { ClientKeysService }] = await Promise.all([
    import('@nestjs/core'),
    import('../src/app.module'),
    import('../src/config/app-config'),
    import('../src/auth/client-keys.service'),
  ]);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(loadAppConfig()), { logger: ['error'] });
  try {
    await run(app.get(ClientKeysService), command);
  } catch (error) {
    if (error instanceof RotationNotPossibleError && error.ambiguous) return usage(error.message);
    if (!(error instanceof DomainError)) throw error;
    console.error(`client:keys: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}

async function run(keys: ClientKeysService, command: ClientKeysCommand): Promise<void> {
  const { clientId } = command;
  switch (command.command) {
    case 'list':
      return printList(await keys.list(clientId));
    case 'create': {
      const expiresAt = command.expiresInMs === undefined ? null : new Date(Date.now() + command.expiresInMs);
      const issued = await keys.create(clientId, { readOnly: command.readOnly, expiresAt });
      return printIssued(issued, clientId);
    }
    case 'rotate': {
      const { issued, old } = await keys.rotate(clientId, { keyId: command.keyId, keepOldMs: command.keepOldMs });
      printIssued(issued, clientId);
      if (old.revokedAt) console.log(`old key ${old.id} (${old.keyPrefix}…) is revoked.`);
      else {
        console.log(`old key ${old.id} (${old.keyPrefix}…) keeps working until ${old.expiresAt!.toISOString()}.`);
        console.log(`To cut it off sooner: npm run client:keys -- --client ${clientId} revoke ${old.id}`);
      }
      return;
    }
    case 'revoke': {
      const { key, alreadyRevoked } = await keys.revoke(clientId, command.keyId);
      console.log(`key ${key.id} (${key.keyPrefix}…) ${alreadyRevoked ? 'was already revoked' : 'revoked'} at ${key.revokedAt!.toISOString()}.`);
      console.log('Running servers refuse it within their API-key cache time (API_KEY_CACHE_TTL_MS, 5 s by default).');
      const usable = (await keys.list(clientId)).filter((other) => keyState(other, new Date()) === 'active');
      if (!usable.length) console.log(`Client ${clientId} has no usable key left; \`create\` makes one.`);
      return;
    }
  }
}

function printIssued({ key, secret }: IssuedKey, clientId: string): void {
  const expiry = key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : '';
  console.log(`key ${key.id} (${key.readOnly ? 'read-only' : 'full access'}${expiry}) created for client ${clientId}.`);
  console.log(`API key (shown only now; store it safely): ${secret}`);
}

function printList(keys: ApiKeyEntity[]): void {
  if (!keys.length) return console.log('no keys');
  const now = new Date();
  const rows = keys.map((key) => [key.id, `${key.keyPrefix}…`, key.readOnly ? 'read-only' : 'full', describeState(key, now), iso(key.createdAt) ?? '', iso(key.lastUsedAt) ?? 'never']);
  const header = ['id', 'prefix', 'access', 'state', 'created', 'last used'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

function describeState(key: ApiKeyEntity, now: Date): string {
  const state = keyState(key, now);
  if (state === 'revoked') return `revoked ${iso(key.revokedAt)}`;
  if (state === 'expired') return `expired ${iso(key.expiresAt)}`;
  return key.expiresAt ? `active until ${iso(key.expiresAt)}` : 'active';
}

function iso(date: Date | null): string | undefined {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

function usage(problem: string): void {
  console.error(`client:keys: ${problem}`);
  console.error(CLIENT_KEYS_USAGE);
  process.exitCode = 2;
}

main().catch((error) => {
  console.error(`client:keys failed: ${(error as Error).message}`);
  process.exit(1);
});
