import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CurrentClient } from '../auth/current-client.decorator';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '../idempotency';
import { ApiProblems, EXAMPLES, list } from '../common/openapi';
import type { HeaderSink } from './accounts.controller';
import { CreateReversalDto } from './dto/create-reversal.dto';
import { CreateTransferDto } from './dto/create-transfer.dto';
import { ListTransfersQueryDto } from './dto/list-query.dto';
import { TransfersService } from './transfers.service';

@ApiTags('transfers')
@ApiBearerAuth()
@ApiProblems({ 401: ['authentication_required', 'invalid_api_key'] })
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @Post()
  @Idempotent({ required: true, purpose: 'transfers.create' })
  @ApiOperation({ summary: 'Move money between two of your accounts' })
  @ApiCreatedResponse({ description: 'The transfer; `Location` names it.', schema: { example: EXAMPLES.transfer } })
  @ApiProblems({ 402: ['insufficient_funds'], 404: ['account_not_found'], 422: ['currency_mismatch', 'same_account', 'balance_limit_exceeded'] })
  async create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreateTransferDto, @Res({ passthrough: true }) res: HeaderSink) {
    const transfer = await this.transfers.create(client.id, body);
    res.header('Location', `/v1/transfers/${transfer.id}`);
    return transfer;
  }

  @Get()
  @ApiOperation({ summary: 'List transfers, newest first' })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.transfer) } })
  @ApiProblems({ 400: ['validation_error'] })
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListTransfersQueryDto) {
    return this.transfers.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after }, query.account);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a transfer' })
  @ApiOkResponse({ schema: { example: EXAMPLES.transfer } })
  @ApiProblems({ 404: ['transfer_not_found'] })
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.transfers.retrieve(client.id, id);
  }

  @Post(':id/reversals')
  @Idempotent({ required: true, purpose: 'reversals.create' })
  @ApiOperation({ summary: 'Move money back, partially or fully (default: all that is left)' })
  @ApiCreatedResponse({ schema: { example: EXAMPLES.reversal } })
  @ApiProblems({ 402: ['insufficient_funds'], 404: ['transfer_not_found'], 422: ['amount_exceeds_refundable'] })
  reverse(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Body() body: CreateReversalDto) {
    return this.transfers.reverse(client.id, id, body.amount);
  }
}
