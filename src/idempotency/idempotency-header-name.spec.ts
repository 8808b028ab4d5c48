import { Controller, INestApplication, Post } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { Idempotent } from './idempotent.decorator';
import { IdempotencyExceptionFilter } from './idempotency-exception.filter';
import { IdempotencyModule } from './idempotency.module';
import { InMemoryIdempotencyStore } from './in-memory-idempotency.store';

let executions = 0;

@Controller('orders')
class OrdersController {
  @Post()
  @Idempotent()
  create() {
    executions++;
    return { id: `order_${executions}` };
  }
}

/** The `headerName` option is the one header read, echoed and documented. */
describe('IdempotencyModule with headerName', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdempotencyModule.forRoot({
          scope: () => 'client',
          headerName: 'X-Order-Key',
          queryParameter: false,
          store: InMemoryIdempotencyStore,
          controller: false,
          purgeEnabled: false,
        }),
      ],
      controllers: [OrdersController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new IdempotencyExceptionFilter(app.get(HttpAdapterHost)));
    await app.init();
  });
  afterAll(() => app.close());

  it('deduplicates by that header and echoes it; the default header name means nothing', async () => {
    const first = await request(app.getHttpServer()).post('/orders').set('X-Order-Key', 'o1');
    const again = await request(app.getHttpServer()).post('/orders').set('X-Order-Key', 'o1');
    expect(again.text).toBe(first.text);
    expect({ replayed: again.headers['idempotent-replayed'], echoed: again.headers['x-order-key'] }).toEqual({ replayed: 'true', echoed: 'o1' });
    await request(app.getHttpServer()).post('/orders').set('Idempotency-Key', 'o1');
    expect(executions).toBe(2);
  });

  it('documents that header in OpenAPI', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const parameters = (document.paths['/orders'].post!.parameters ?? []) as Array<{ in: string; name: string }>;
    expect(parameters.filter((p) => p.in === 'header').map((p) => p.name)).toEqual(['X-Order-Key']);
  });
});
