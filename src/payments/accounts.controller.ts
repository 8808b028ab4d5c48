import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CurrentClient } from '../auth/current-client.decorator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { Idempotent } from '../idempotency';
import { AccountsService } from './accounts.service';
import { CreateAccountDto } from './dto/create-account.dto';
import { CreateDepositDto } from './dto/create-deposit.dto';
import { ListQueryDto } from './dto/list-query.dto';

/** What Express and Fastify responses both offer for setting a header. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @Idempotent({ purpose: 'accounts.create' })
  async create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreateAccountDto, @Res({ passthrough: true }) res: HeaderSink) {
    const account = await this.accounts.create(client.id, body);
    res.header('Location', `/v1/accounts/${account.id}`);
    return account;
  }

  @Get()
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListQueryDto) {
    return this.accounts.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }

  @Get(':id')
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.accounts.retrieve(client.id, id);
  }

  @Post(':id/deposits')
  @Idempotent({ required: true, purpose: 'deposits.create' })
  deposit(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Body() body: CreateDepositDto) {
    return this.accounts.deposit(client.id, id, body);
  }

  @Get(':id/ledger')
  ledger(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Query() query: ListQueryDto) {
    return this.accounts.ledgerEntries(client.id, id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }
}
