import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentClient } from '../auth/current-client.decorator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { Idempotent } from '../idempotency';
import { ApiProblems, list } from '../common/openapi';
import { CreatePayoutDto } from './dto/create-payout.dto';
import { ListPayoutsQueryDto } from './dto/list-payouts-query.dto';
import { PAYOUTS_CREATE, PayoutsService } from './payouts.service';

export const PAYOUT_EXAMPLE = {
  id: 'po_Jx3cV0m9yQ4nS2bT7wKe',
  object: 'payout',
  account: 'acct_q6UkBhMN3B41aC8wrYSK',
  amount: 2500,
  currency: 'usd',
  destination: { bank_account: 'DE89 3704 0044 0532 0130 00' },
  status: 'paid',
  failure_code: null,
  bank_reference: 'btr_2bq1pL0aZk8mXw4R',
  description: null,
  metadata: {},
  created_at: '2026-11-30T08:00:00.000Z',
};

@ApiTags('payouts')
@ApiBearerAuth()
@ApiProblems({ 401: ['authentication_required', 'invalid_api_key'] })
@Controller('v1/payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post()
  @Idempotent({ required: true, purpose: PAYOUTS_CREATE, phases: true })
  @ApiOperation({
    summary: 'Pay money out to a bank account (exactly once, across the call to the bank)',
    description:
      'The payout is created `pending` and its amount held, then the bank is asked. Its definite answer (`paid`, or `failed` with ' +
      '`failure_code`) is stored under the key and replayed to every retry. When the bank does not answer in time, the answer is ' +
      '`202` with the payout `pending`: retry with the same key, or wait for the webhook / poll `GET /v1/payouts/:id`; the ' +
      'payout is finished in the background and never guessed.',
  })
  @ApiCreatedResponse({
    description: 'The bank answered: `paid`, or `failed` with `failure_code`. `Location` names the payout.',
    schema: { example: PAYOUT_EXAMPLE },
  })
  @ApiAcceptedResponse({
    description: "The bank's answer is not known yet: the payout is `pending`. Retry with the same key, or poll `GET /v1/payouts/:id`.",
    schema: { example: { ...PAYOUT_EXAMPLE, status: 'pending', bank_reference: null } },
  })
  @ApiProblems({ 400: ['validation_error'], 402: ['insufficient_funds'], 404: ['account_not_found'], 422: ['currency_mismatch'] })
  create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreatePayoutDto) {
    return this.payouts.create(client.id, body);
  }

  @Get()
  @ApiOperation({ summary: 'List payouts, newest first' })
  @ApiOkResponse({ schema: { example: list(PAYOUT_EXAMPLE) } })
  @ApiProblems({ 400: ['validation_error'] })
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListPayoutsQueryDto) {
    return this.payouts.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after }, query.account);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a payout' })
  @ApiOkResponse({ schema: { example: PAYOUT_EXAMPLE } })
  @ApiProblems({ 404: ['payout_not_found'] })
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.payouts.retrieve(client.id, id);
  }
}
