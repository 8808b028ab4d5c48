import { maxHeaderSize } from 'node:http';
import { getMetadataStorage } from 'class-validator';
import { MintIdempotencyKeyDto } from '../../src/idempotency/idempotency-keys.controller';
import { parseIdempotencyKey } from '../../src/idempotency/idempotency-key';
import { CreateAccountDto } from '../../src/payments/dto/create-account.dto';
import { CreateDepositDto } from '../../src/payments/dto/create-deposit.dto';
import { CreateTransferDto } from '../../src/payments/dto/create-transfer.dto';
import { METADATA_LIMITS } from '../../src/common/validation';
import { MAX_MINOR_UNITS } from '../../src/common/money';
import { presentTransfer } from '../../src/payments/payments.presenters';
import { TransferEntity } from '../../src/payments/transfer.entity';

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

const text = (dto: new () => object, property: string) => () => heaviestTexts(maxLengthOf(dto, property));
const same = (...values: ColumnValue[]) => () => values;

export const COLUMN_LIMITS: Record<string, ColumnLimit> = {
  '*.seq': { why: 'auto-increment, BIGINT', values: same(MAX_MINOR_UNITS) },
  '*.id': { why: 'ids a request may name (@MaxLength 40) or the server mints', values: same(LONGEST_ID, LONGEST_CLIENT_ID) },
  '*.client_id': { why: 'a client id the server minted', values: same(LONGEST_CLIENT_ID) },
  '*.currency': { why: 'IsCurrencyCode: three letters', values: same('usd') },
  '*.amount': { why: 'IsMinorUnits, signed on ledger legs', values: same(...MONEY) },
  '*.created_at': { why: 'a time the server sets', values: same(FAR_FUTURE) },
  '*.description': { why: '@MaxLength of every description', values: () => [...text(CreateDepositDto, 'description')(), ...text(CreateTransferDto, 'description')()] },
  '*.metadata': { why: 'IsMetadata, serialized as JSON', values: () => heaviestMetadata().map((m) => JSON.stringify(m)) },

  'clients.name': { why: 'client:create takes 1 to 100 characters', values: () => heaviestTexts(100) },
  'clients.api_key_hash': { why: 'SHA-256 hex', values: same('f'.repeat(64)) },
  'clients.api_key_prefix': { why: 'the first 12 characters of a key', values: same('sk_test_abcd') },

  'accounts.name': { why: 'CreateAccountDto.name', values: text(CreateAccountDto, 'name') },
  'accounts.balance': {
    why: 'customer balances within 2^53-1; the external account anywhere in BIGINT',
    values: same(...MONEY, '9223372036854775807', '-9223372036854775808'),
  },
  'accounts.kind': { why: 'customer or external', values: same('customer', 'external') },
  'accounts.external_key': { why: '<client id>:<currency>', values: same(`${LONGEST_CLIENT_ID}:usd`) },
  'accounts.allow_negative': { why: 'a boolean', values: same(0, 1) },

  'ledger_entries.account_id': { why: 'an account id', values: same(LONGEST_ID) },
  'ledger_entries.posting_id': { why: 'a deposit, transfer or reversal id', values: same(LONGEST_ID) },
  'ledger_entries.posting_type': { why: 'deposit, transfer or reversal', values: same('deposit', 'transfer', 'reversal') },

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

  // TypeORM's own bookkeeping of the migrations that ran.
  'migrations.id': { why: 'TypeORM: auto-increment', values: same(2 ** 31 - 1) },
  'migrations.timestamp': { why: 'TypeORM: the migration timestamp', values: same(9_999_999_999_999) },
  'migrations.name': { why: 'TypeORM: the migration class name', values: same('ColumnsHoldWhatValidationAdmits1765000000000') },
};

/** The limit for a column: its own entry, else the one every table shares. */
export function limitOf(table: string, column: string): ColumnLimit | undefined {
  return COLUMN_LIMITS[`${table}.${column}`] ?? COLUMN_LIMITS[`*.${column}`];
}
