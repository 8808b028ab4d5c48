import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { CurrentClient } from '../auth/current-client.decorator';
import { ApiProblems, EXAMPLES, list } from '../common/openapi';
import { ListEventsQueryDto } from './dto/list-events-query.dto';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth()
@ApiProblems({ 401: ['authentication_required', 'invalid_api_key'] })
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({ summary: 'List events, newest first (transfer.created, transfer.reversed, deposit.created, payout.paid, payout.failed)' })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.event) } })
  @ApiProblems({ 400: ['validation_error'] })
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListEventsQueryDto) {
    return this.events.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after }, query.type);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve an event' })
  @ApiOkResponse({ schema: { example: EXAMPLES.event } })
  @ApiProblems({ 404: ['event_not_found'] })
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.events.retrieve(client.id, id);
  }
}
