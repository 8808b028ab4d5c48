import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CurrentClient } from '../auth/current-client.decorator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '../idempotency';
import { ApiProblems, EXAMPLES, list } from '../common/openapi';
import { AccountsService } from './accounts.service';
import { CreateAccountDto } from './dto/create-account.dto';
import { CreateDepositDto } from './dto/create-deposit.dto';
import { ListQueryDto } from './dto/list-query.dto';

/** What Express and Fastify responses both offer for setting a header. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

@ApiTags('accounts')
@ApiBearerAuth()
@ApiProblems({ 401: ['authentication_required', 'invalid_api_key'] })
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @Idempotent({ purpose: 'accounts.create' })
  @ApiOperation({ summary: 'Open an account with balance 0' })
  @ApiCreatedResponse({ description: 'The account; `Location` names it.', schema: { example: EXAMPLES.account } })
  async create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreateAccountDto, @Res({ passthrough: true }) res: HeaderSink) {
    const account = await this.accounts.create(client.id, body);
    res.header('Location', `/v1/accounts/${account.id}`);
    return account;
  }

  @Get()
  @ApiOperation({ summary: 'List accounts, newest first' })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.account) } })
  @ApiProblems({ 400: ['validation_error'] })
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListQueryDto) {
    return this.accounts.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve an account with its current balance' })
  @ApiOkResponse({ schema: { example: EXAMPLES.account } })
  @ApiProblems({ 404: ['account_not_found'] })
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.accounts.retrieve(client.id, id);
  }

  @Post(':id/deposits')
  @Idempotent({ required: true, purpose: 'deposits.create' })
  @ApiOperation({ summary: 'Money in from outside, credited to the account' })
  @ApiCreatedResponse({ schema: { example: EXAMPLES.deposit } })
  @ApiProblems({ 404: ['account_not_found'], 422: ['currency_mismatch', 'balance_limit_exceeded'] })
  deposit(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Body() body: CreateDepositDto) {
    return this.accounts.deposit(client.id, id, body);
  }

  @Get(':id/ledger')
  @ApiOperation({ summary: "The account's ledger entries, newest first" })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.ledgerEntry) } })
  @ApiProblems({ 404: ['account_not_found'] })
  ledger(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Query() query: ListQueryDto) {
    return this.accounts.ledgerEntries(client.id, id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }
}
