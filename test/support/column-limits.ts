import { maxHeaderSize } from 'node:http';
import { getMetadataStorage } from 'class-validator';
import { MintIdempotencyKeyDto } from '../../src/idempotency/idempotency-keys.controller';
import { parseIdempotencyKey } from '../../src/idempotency/idempotency-key';
import { CreateAccountDto } from '../../src/payments/dto/create-account.dto';
import { CreateDepositDto } from '../../src/payments/dto/create-deposit.dto';
import { CreateTransferDto } from '../../src/payments/dto/create-transfer.dto';
import { METADATA_LIMITS } from '../../src/common/validation';
import { MAX_MINOR_UNITS } from '../../src/common/money';
import { MIGRATIONS } from '../../src/database/migrations';
import { presentTransfer } from '../../src/payments/payments.presenters';
import { TransferEntity } from '../../src/payments/transfer.entity';
import { CreatePayoutDto } from '../../src/payouts/dto/create-payout.dto';
import { CreateWebhookEndpointDto } from '../../src/events/dto/create-webhook-endpoint.dto';
import { EVENT_TYPES } from '../../src/events/event-types';
import { SecretBox } from '../../src/events/secret-box';
import { ATTEMPT_ERROR_LENGTH } from '../../src/events/webhook-dispatcher.service';

/**
 * What each column of the schema must hold: the largest values the validation admits for it (read
 * from the DTOs' own limits, so raising a limit without resizing its column fails the walk), or,
 * for what only the server writes, the largest it writes. `test/column-limits.e2e-spec.ts` stores
 * every value in a copy of its column, on SQLite and MariaDB, and reads it back unchanged.
 *
 * Keys are `table.column`, or `*.column` for a column every table has alike. A table added later
 * fails the walk until its columns are listed here: say what may reach each one.
 */
export type ColumnValue = string | number;

export interface ColumnLimit {
  /** Why these are the largest values (which rule admits them). */
  why: string;
  values: () => ColumnValue[];
}

/** A DTO property's `@MaxLength`, as class-validator holds it. */
export function maxLengthOf(dto: new () => object, property: string): number {
  const rule = getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .find((meta) => meta.propertyName === property && meta.name === 'maxLength');
  if (!rule) throw new Error(`${dto.name}.${property} has no @MaxLength`);
  return rule.constraints[0] as number;
}

const HEAVY_CHARACTERS = ['€', '😀', '\u0001'];

/**
 * Text of `length` UTF-16 units (what `@MaxLength` counts) at its heaviest: 3-byte characters (one
 * unit each, the most bytes per counted unit), 4-byte ones (two units each), and characters JSON
 * escapes to six bytes.
 */
export function heaviestTexts(length: number): string[] {
  return HEAVY_CHARACTERS.map((ch) => ch.repeat(Math.floor(length / ch.length)));
}

/** The largest metadata `IsMetadata` admits, one object per kind of heavy character. */
export function heaviestMetadata(): Array<Record<string, string>> {
  const { keys, keyLength, valueLength } = METADATA_LIMITS;
  return HEAVY_CHARACTERS.map((ch, kind) => {
    const value = heaviestTexts(valueLength)[kind];
    // Distinct keys of full length: a two-digit number, then the heavy character.
    const key = (i: number) => `${String(i).padStart(2, '0')}${ch.repeat((keyLength - 2) / ch.length)}`;
    return Object.fromEntries(Array.from({ length: keys }, (_, i) => [key(i), value]));
  });
}

/** The largest id a request may name (`@MaxLength(40)` on ids) or the server mints. */
const LONGEST_ID = `acct_${'A'.repeat(maxLengthOf(CreateTransferDto, 'from_account') - 5)}`;
const LONGEST_CLIENT_ID = `cli_${'A'.repeat(36)}`;
const FAR_FUTURE = '9999-12-31 23:59:59.999';
const MONEY = [MAX_MINOR_UNITS, -MAX_MINOR_UNITS, 0];

/** The longest key `parseIdempotencyKey` admits, found by asking it. */
function longestIdempotencyKey(): string {
  let length = 1;
  for (;;) {
    try {
      parseIdempotencyKey('k'.repeat(length + 1), 'key');
      length++;
    } catch {
      return '~'.repeat(length);
    }
  }
}

/** The largest answer a keyed POST stores: a transfer with the heaviest description and metadata. */
function heaviestStoredResponses(): string[] {
  return heaviestMetadata().map((metadata, kind) => {
    const transfer = Object.assign(new TransferEntity(), {
      id: LONGEST_ID,
      fromAccount: LONGEST_ID,
      toAccount: LONGEST_ID,
      amount: MAX_MINOR_UNITS,
      amountReversed: MAX_MINOR_UNITS,
      currency: 'usd',
      status: 'succeeded',
      description: heaviestTexts(maxLengthOf(CreateTransferDto, 'description'))[kind],
      metadata: JSON.stringify(metadata),
      createdAt: new Date(),
    });
    return JSON.stringify(presentTransfer(transfer));
  });
}

/** The largest payout request: the heaviest description and metadata, as the body a resume runs with. */
function heaviestPayoutBodies(): string[] {
  return heaviestMetadata().map((metadata, kind) =>
    JSON.stringify({
      account: LONGEST_ID,
      amount: MAX_MINOR_UNITS,
      currency: 'usd',
      destination: { bank_account: 'A'.repeat(64) },
      description: heaviestTexts(maxLengthOf(CreatePayoutDto, 'description'))[kind],
      metadata,
    }),
  );
}

const text = (dto: new () => object, property: string) => () => heaviestTexts(maxLengthOf(dto, property));
const same =
  (...values: ColumnValue[]) =>
  () =>
    values;

export const COLUMN_LIMITS: Record<string, ColumnLimit> = {
  '*.seq': { why: 'auto-increment, BIGINT', values: same(MAX_MINOR_UNITS) },
  '*.id': { why: 'ids a request may name (@MaxLength 40) or the server mints', values: same(LONGEST_ID, LONGEST_CLIENT_ID) },
  '*.client_id': { why: 'a client id the server minted', values: same(LONGEST_CLIENT_ID) },
  '*.currency': { why: 'IsCurrencyCode: three letters', values: same('usd') },
  '*.amount': { why: 'IsMinorUnits, signed on ledger legs', values: same(...MONEY) },
  '*.created_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  '*.description': {
    why: '@MaxLength of every description',
    values: () => [
      ...text(CreateDepositDto, 'description')(),
      ...text(CreateTransferDto, 'description')(),
      ...text(CreatePayoutDto, 'description')(),
    ],
  },
  '*.metadata': { why: 'IsMetadata, serialized as JSON', values: () => heaviestMetadata().map((m) => JSON.stringify(m)) },

  'clients.name': { why: 'client:create takes 1 to 100 characters', values: () => heaviestTexts(100) },
  'clients.api_key_hash': { why: 'SHA-256 hex', values: same('f'.repeat(64)) },
  'clients.api_key_prefix': { why: 'the first 12 characters of a key', values: same('sk_test_abcd') },

  'accounts.name': { why: 'CreateAccountDto.name', values: text(CreateAccountDto, 'name') },
  'accounts.balance': {
    why: 'customer balances within 2^53-1; the external account anywhere in BIGINT',
    values: same(...MONEY, '9223372036854775807', '-9223372036854775808'),
  },
  'accounts.kind': { why: 'customer, external or in_transit', values: same('customer', 'external', 'in_transit') },
  'accounts.external_key': { why: '<client id>:<currency>', values: same(`${LONGEST_CLIENT_ID}:usd`) },
  'accounts.allow_negative': { why: 'a boolean', values: same(0, 1) },

  'ledger_entries.account_id': { why: 'an account id', values: same(LONGEST_ID) },
  'ledger_entries.posting_id': { why: 'a deposit, transfer or reversal id', values: same(LONGEST_ID) },
  'ledger_entries.posting_type': {
    why: 'deposit, transfer, reversal or a payout phase',
    values: same('deposit', 'transfer', 'reversal', 'payout', 'payout_settle', 'payout_return'),
  },

  'transfers.from_account': { why: 'CreateTransferDto.from_account', values: same(LONGEST_ID) },
  'transfers.to_account': { why: 'CreateTransferDto.to_account', values: same(LONGEST_ID) },
  'transfers.amount_reversed': { why: 'at most the amount', values: same(MAX_MINOR_UNITS) },
  'transfers.status': { why: 'succeeded', values: same('succeeded') },

  'deposits.account_id': { why: 'an account id', values: same(LONGEST_ID) },
  'reversals.transfer_id': { why: 'a transfer id', values: same(LONGEST_ID) },

  'idempotency_keys.id': { why: 'auto-increment, BIGINT', values: same(MAX_MINOR_UNITS) },
  'idempotency_keys.scope': { why: 'a client id', values: same(LONGEST_CLIENT_ID) },
  'idempotency_keys.idempotency_key': { why: 'parseIdempotencyKey', values: () => [longestIdempotencyKey()] },
  'idempotency_keys.status': { why: 'in_progress, completed or minted', values: same('in_progress', 'completed', 'minted') },
  'idempotency_keys.purpose': { why: 'MintIdempotencyKeyDto.purpose', values: () => ['p'.repeat(maxLengthOf(MintIdempotencyKeyDto, 'purpose'))] },
  'idempotency_keys.method': { why: 'POST or PATCH', values: same('PATCH') },
  'idempotency_keys.path': {
    why: "the request path, bounded only by Node's header limit (bytes read as latin1)",
    values: () => ['/'.padEnd(maxHeaderSize, 'a'), '/'.padEnd(maxHeaderSize, 'ÿ')],
  },
  'idempotency_keys.fingerprint': { why: 'SHA-256 hex', values: same('f'.repeat(64)) },
  'idempotency_keys.lease_owner': { why: 'a UUID', values: same('ffffffff-ffff-4fff-bfff-ffffffffffff') },
  'idempotency_keys.lease_expires_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'idempotency_keys.response_status': { why: 'an HTTP status', values: same(599) },
  'idempotency_keys.response_headers': {
    why: 'the stored headers (Location with the longest id, a Retry-After)',
    values: same(JSON.stringify({ location: `/v1/transfers/${LONGEST_ID}`, 'retry-after': '3600', 'content-type': 'application/problem+json' })),
  },
  'idempotency_keys.response_body': { why: 'the heaviest transfer a keyed POST answers', values: heaviestStoredResponses },
  'idempotency_keys.expires_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },

  'payouts.account_id': { why: 'CreatePayoutDto.account', values: same(LONGEST_ID) },
  'payouts.bank_account': { why: 'PayoutDestinationDto.bank_account: 4 to 64 letters, digits, spaces or dashes', values: same('A'.repeat(64)) },
  'payouts.status': { why: 'pending, paid or failed', values: same('pending', 'paid', 'failed') },
  'payouts.failure_code': { why: "the bank's code as the adapter admits it (40 characters)", values: same(`a${'b'.repeat(39)}`) },
  'payouts.bank_reference': { why: "the bank's transfer id as the adapter admits it (64 characters)", values: same('R'.repeat(64)) },
  'payouts.updated_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'idempotency_keys.recovery_point': { why: "a phase name of a multi-phase route, or 'finished'", values: same('p'.repeat(64)) },
  'idempotency_keys.resume_state': {
    why: 'what the finished phases returned (ids), as JSON',
    values: same(JSON.stringify({ payout_created: { payout_id: LONGEST_ID } })),
  },
  'idempotency_keys.request_body': { why: 'the body of a keyed multi-phase request: the heaviest payout', values: heaviestPayoutBodies },

  'api_keys.key_hash': { why: 'SHA-256 hex', values: same('f'.repeat(64)) },
  'api_keys.key_prefix': { why: 'the first 12 characters of a key', values: same('sk_test_abcd') },
  'api_keys.read_only': { why: 'a boolean', values: same(0, 1) },
  'api_keys.expires_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'api_keys.revoked_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'api_keys.last_used_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },

  'events.type': { why: 'an event type', values: () => [...EVENT_TYPES] },
  'events.object_id': { why: 'the id of a transfer, deposit or payout', values: same(LONGEST_ID) },
  'events.data': { why: 'the object as the API shows it: at most the heaviest transfer', values: heaviestStoredResponses },
  'webhook_endpoints.url': {
    why: 'CreateWebhookEndpointDto.url, normalized by URL (ASCII)',
    values: () => [`https://${'a'.repeat(maxLengthOf(CreateWebhookEndpointDto, 'url') - 8)}`],
  },
  'webhook_endpoints.enabled_events': { why: 'every event type, as JSON', values: () => [JSON.stringify([...EVENT_TYPES])] },
  'webhook_endpoints.secret': {
    why: 'a whsec_ secret, sealed with WEBHOOK_SECRETS_KEY or as given',
    values: () => [new SecretBox(Buffer.alloc(32, 7)).seal(`whsec_${'A'.repeat(32)}`), `whsec_${'A'.repeat(32)}`],
  },
  'webhook_deliveries.event_id': { why: 'an event id', values: same(LONGEST_ID) },
  'webhook_deliveries.endpoint_id': { why: 'an endpoint id', values: same(LONGEST_ID) },
  'webhook_deliveries.status': { why: 'pending, delivered or failed', values: same('pending', 'delivered', 'failed') },
  'webhook_deliveries.attempts': { why: 'a count of attempts', values: same(2 ** 31 - 1) },
  'webhook_deliveries.next_attempt_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'webhook_deliveries.lease_owner': { why: 'disp_ and 24 hex characters', values: same(`disp_${'f'.repeat(24)}`) },
  'webhook_deliveries.finished_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  'webhook_attempts.delivery_id': { why: 'a delivery id', values: same(LONGEST_ID) },
  'webhook_attempts.event_id': { why: 'an event id', values: same(LONGEST_ID) },
  'webhook_attempts.endpoint_id': { why: 'an endpoint id', values: same(LONGEST_ID) },
  'webhook_attempts.attempt': { why: 'an attempt number', values: same(2 ** 31 - 1) },
  'webhook_attempts.status_code': { why: 'an HTTP status', values: same(599) },
  'webhook_attempts.error': { why: 'cut to ATTEMPT_ERROR_LENGTH', values: () => heaviestTexts(ATTEMPT_ERROR_LENGTH) },
  'webhook_attempts.outcome': { why: 'delivered, retrying or failed', values: same('delivered', 'retrying', 'failed') },
  'webhook_attempts.duration_ms': { why: 'milliseconds of one attempt', values: same(2 ** 31 - 1) },

  'idempotency_jobs.name': { why: 'a job name of the module', values: same('idempotency-purge') },
  'idempotency_jobs.owner': { why: 'a UUID', values: same('ffffffff-ffff-4fff-bfff-ffffffffffff') },
  'idempotency_jobs.lease_expires_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },

  // The migration lease (src/database/migration-lock.ts): one row, written by the server only.
  'schema_migration_lock.id': { why: 'always 1', values: same(1) },
  'schema_migration_lock.owner': { why: 'a UUID', values: same('ffffffff-ffff-4fff-bfff-ffffffffffff') },
  'schema_migration_lock.expires_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },

  // TypeORM's own bookkeeping of the migrations that ran.
  'migrations.id': { why: 'TypeORM: auto-increment', values: same(2 ** 31 - 1) },
  'migrations.timestamp': { why: 'TypeORM: the migration timestamp', values: same(9_999_999_999_999) },
  'migrations.name': { why: 'TypeORM: the migration class names', values: () => MIGRATIONS.map((migration) => migration.name) },
};

/** The limit for a column: its own entry, else the one every table shares. */
export function limitOf(table: string, column: string): ColumnLimit | undefined {
  return COLUMN_LIMITS[`${table}.${column}`] ?? COLUMN_LIMITS[`*.${column}`];
}
