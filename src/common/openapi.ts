import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    param: { type: 'string' },
  },
};

/** Documents problem+json answers of a route, each status with the `code`s it can carry. */
export function ApiProblems(problems: Record<number, string[]>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(problems).map(([status, codes]) =>
      ApiResponse({
        status: Number(status),
        description: codes.map((code) => `\`${code}\``).join(', '),
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      }),
    ),
  );
}

/** Example objects as the API returns them, for the OpenAPI document. */
export const EXAMPLES = {
  account: {
    id: 'acct_q6UkBhMN3B41aC8wrYSK',
    object: 'account',
    name: 'Alice',
    currency: 'usd',
    balance: 7500,
    metadata: {},
    created_at: '2026-11-27T21:21:38.591Z',
  },
  transfer: {
    id: 'tr_RYHFlANK2pSUD5-82uVb',
    object: 'transfer',
    amount: 2500,
    currency: 'usd',
    from_account: 'acct_q6UkBhMN3B41aC8wrYSK',
    to_account: 'acct_X9B_TOAOPuVGDqXwjGwG',
    amount_reversed: 0,
    status: 'succeeded',
    description: null,
    metadata: {},
    created_at: '2026-11-27T21:21:47.669Z',
  },
  deposit: {
    id: 'dep_a07PMwWJxaDW-2frS-F7',
    object: 'deposit',
    account: 'acct_q6UkBhMN3B41aC8wrYSK',
    amount: 10000,
    currency: 'usd',
    description: null,
    created_at: '2026-11-27T21:21:47.582Z',
  },
  reversal: { id: 'trr_2n7v…', object: 'reversal', transfer: 'tr_RYHFlANK2pSUD5-82uVb', amount: 500, currency: 'usd', created_at: '2026-11-27T21:30:00.000Z' },
  event: {
    id: 'evt_4cZq1m0bT8yW2kRr9sVx',
    object: 'event',
    type: 'transfer.created',
    data: {
      object: {
        id: 'tr_RYHFlANK2pSUD5-82uVb',
        object: 'transfer',
        amount: 2500,
        currency: 'usd',
        from_account: 'acct_q6UkBhMN3B41aC8wrYSK',
        to_account: 'acct_X9B_TOAOPuVGDqXwjGwG',
        amount_reversed: 0,
        status: 'succeeded',
        description: null,
        metadata: {},
        created_at: '2026-11-27T21:21:47.669Z',
      },
    },
    created_at: '2026-11-27T21:21:47.669Z',
  },
  webhookEndpoint: {
    id: 'we_Jr0dQ1sH2k9Lm3Np4Bq5',
    object: 'webhook_endpoint',
    url: 'https://example.com/webhooks/payments',
    enabled_events: ['*'],
    created_at: '2026-11-27T21:20:00.000Z',
  },
  webhookAttempt: {
    id: 'wha_8Kx2Vb7Nc6Md5Lf4Gh3J',
    object: 'webhook_attempt',
    event: 'evt_4cZq1m0bT8yW2kRr9sVx',
    delivery: 'whd_2Hg5Tf6Yd7Us8Ia9Ob0P',
    attempt: 1,
    status_code: 500,
    error: 'answered 500',
    outcome: 'retrying',
    duration_ms: 12,
    created_at: '2026-11-27T21:21:48.102Z',
  },
  ledgerEntry: {
    id: 'le_EaHMn3QzEpAVFFDarsHp',
    object: 'ledger_entry',
    account: 'acct_q6UkBhMN3B41aC8wrYSK',
    amount: -2500,
    currency: 'usd',
    posting: 'tr_RYHFlANK2pSUD5-82uVb',
    posting_type: 'transfer',
    created_at: '2026-11-27T21:21:47.669Z',
  },
};

export const list = (example: object) => ({ object: 'list', data: [example], has_more: false });
