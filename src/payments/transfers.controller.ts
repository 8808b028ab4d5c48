import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CurrentClient } from '../auth/current-client.decorator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { Idempotent } from '../idempotency';
import type { HeaderSink } from './accounts.controller';
import { CreateReversalDto } from './dto/create-reversal.dto';
import { CreateTransferDto } from './dto/create-transfer.dto';
import { ListTransfersQueryDto } from './dto/list-query.dto';
import { TransfersService } from './transfers.service';

@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @Post()
  @Idempotent({ required: true, purpose: 'transfers.create' })
  async create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreateTransferDto, @Res({ passthrough: true }) res: HeaderSink) {
    const transfer = await this.transfers.create(client.id, body);
    res.header('Location', `/v1/transfers/${transfer.id}`);
    return transfer;
  }

  @Get()
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListTransfersQueryDto) {
    return this.transfers.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after }, query.account);
  }

  @Get(':id')
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.transfers.retrieve(client.id, id);
  }

  @Post(':id/reversals')
  @Idempotent({ required: true, purpose: 'reversals.create' })
  reverse(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Body() body: CreateReversalDto) {
    return this.transfers.reverse(client.id, id, body.amount);
  }
}
