import { Body, Controller, Delete, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedClient } from '../auth/api-keys.service';
import { CurrentClient } from '../auth/current-client.decorator';
import { ApiProblems, EXAMPLES, list } from '../common/openapi';
import { Idempotent } from '../idempotency';
import type { HeaderSink } from '../payments/accounts.controller';
import { ListQueryDto } from '../payments/dto/list-query.dto';
import { CreateWebhookEndpointDto } from './dto/create-webhook-endpoint.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@ApiTags('webhook endpoints')
@ApiBearerAuth()
@ApiProblems({ 401: ['authentication_required', 'invalid_api_key'] })
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @Idempotent({ purpose: 'webhook_endpoints.create' })
  @ApiOperation({ summary: 'Register a URL to receive events as signed webhooks; the answer shows the signing secret, once' })
  @ApiCreatedResponse({
    description: 'The endpoint with its `secret` (whsec_…). Keep it: no other answer shows it.',
    schema: { example: { ...EXAMPLES.webhookEndpoint, secret: 'whsec_…' } },
  })
  @ApiProblems({ 400: ['validation_error'] })
  async create(@CurrentClient() client: AuthenticatedClient, @Body() body: CreateWebhookEndpointDto, @Res({ passthrough: true }) res: HeaderSink) {
    const endpoint = await this.endpoints.create(client.id, body);
    res.header('Location', `/v1/webhook-endpoints/${endpoint.id}`);
    return endpoint;
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints, newest first' })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.webhookEndpoint) } })
  @ApiProblems({ 400: ['validation_error'] })
  list(@CurrentClient() client: AuthenticatedClient, @Query() query: ListQueryDto) {
    return this.endpoints.list(client.id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Retrieve a webhook endpoint (without its secret)' })
  @ApiOkResponse({ schema: { example: EXAMPLES.webhookEndpoint } })
  @ApiProblems({ 404: ['webhook_endpoint_not_found'] })
  retrieve(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.endpoints.retrieve(client.id, id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a webhook endpoint; its pending deliveries are not sent' })
  @ApiOkResponse({ schema: { example: { id: EXAMPLES.webhookEndpoint.id, object: 'webhook_endpoint', deleted: true } } })
  @ApiProblems({ 404: ['webhook_endpoint_not_found'] })
  delete(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string) {
    return this.endpoints.delete(client.id, id);
  }

  @Get(':id/attempts')
  @ApiOperation({ summary: "The endpoint's delivery attempts, newest first, with the receiver's status codes" })
  @ApiOkResponse({ schema: { example: list(EXAMPLES.webhookAttempt) } })
  @ApiProblems({ 400: ['validation_error'], 404: ['webhook_endpoint_not_found'] })
  attempts(@CurrentClient() client: AuthenticatedClient, @Param('id') id: string, @Query() query: ListQueryDto) {
    return this.endpoints.attempts(client.id, id, { limit: query.limit ?? 10, startingAfter: query.starting_after });
  }
}
