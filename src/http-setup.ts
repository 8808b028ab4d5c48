import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, Server } from 'node:http';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { answerClientError, frameworkErrorProblem } from './common/client-errors';
import { checkFormText, checkUtf8, FORM_DEPTH, FORM_PARAMETER_LIMIT, parseFormBody } from './common/form-body';
import { checkJsonText } from './common/json-body';
import { createValidationPipe, FORM_ENCODED } from './common/validation';
import { requestId } from './observability/request-logging';
import { documentPermissionDenied } from './auth/permission-denied.openapi';

/** Largest request body accepted; larger ones get 413. Payment requests are a few hundred bytes. */
export const BODY_LIMIT_BYTES = 100 * 1024;

function markFormEncoded<T>(body: T): T {
  if (body && typeof body === 'object') Object.defineProperty(body, FORM_ENCODED, { value: true });
  return body;
}

type Logger = false | LogLevel[];

/** Nest's log levels for `LOG_LEVEL`. */
export function nestLogLevels(level: string): Logger {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  // Nest's `log` level is start-up chatter (modules, routes): shown from `debug` on.
  const upTo = { silent: -1, fatal: 0, error: 1, warn: 2, info: 2, debug: 4, trace: 5 }[level] ?? 2;
  return upTo < 0 ? false : order.slice(0, upTo + 1);
}

/** Start-up errors propagate to the caller (which prints one line), not to Nest's own abort and log. */
const startupOptions = { abortOnError: false } as const;

async function createExpressApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(), {
    ...startupOptions,
    bodyParser: false,
    logger,
  });
  const server = app.getHttpServer();
  server.removeAllListeners('clientError');
  server.on('clientError', answerClientError);
  app.disable('x-powered-by');
  app.set('etag', false);
  // First of all, so that even a body the parsers reject is answered with its X-Request-Id.
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    requestId(req, res);
    next();
  });
  app.use(
    express.json({
      limit: BODY_LIMIT_BYTES,
      type: ['application/json', 'application/*+json'],
      strict: false,
      verify: (_req, _res, buffer) => {
        checkUtf8(buffer);
        checkJsonText(buffer.toString('utf8'));
      },
    }),
  );
  app.use(
    express.urlencoded({
      extended: true,
      limit: BODY_LIMIT_BYTES,
      parameterLimit: FORM_PARAMETER_LIMIT,
      depth: FORM_DEPTH,
      verify: (_req: unknown, _res: unknown, buffer: Buffer) => {
        checkUtf8(buffer);
        checkFormText(buffer.toString('utf8'));
      },
    } as never),
  );
  app.use((req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (req.is('application/x-www-form-urlencoded')) markFormEncoded(req.body);
    next();
  });
  return app;
}

async function createFastifyApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  // Fastify's own request id is ours (the client's X-Request-Id or a UUID), set before any parsing.
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: (req: IncomingMessage) => requestId(req, undefined),
    clientErrorHandler: answerClientError,
    // Long path parameters reach the route and are answered as unknown ids, as on Express.
    routerOptions: { maxParamLength: 1_000 },
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const rendered = frameworkErrorProblem(error);
      // Sent before the onRequest hook that sets it on every other answer.
      void reply
        .code(rendered.status)
        .headers({ ...rendered.headers, 'x-request-id': request.id })
        .send(JSON.stringify(rendered.body));
    },
  });
  const instance = adapter.getInstance();
  instance.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  // Fastify answers a body over the limit as soon as it sees the length, marked `Connection: close`:
  // the socket is then closed while the client is still sending, the rest of the body meets a
  // reset, and a client busy writing can fail on a write and never read its 413. Without that
  // header Node reads what is left of the body and throws it away, as Express does, and the client
  // reads its 413 on a connection that stays usable (Node's `requestTimeout` bounds the wait).
  instance.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.statusCode === 413) reply.removeHeader('connection');
    done(null, payload);
  });
  instance.removeAllContentTypeParsers();
  // Like Express, a body of a type we do not parse is ignored (then validated as missing).
  instance.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  instance.addContentTypeParser(/^application\/([^;]+\+)?json/, { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      checkUtf8(body as Buffer);
      const text = body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      checkJsonText(text);
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
  instance.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, markFormEncoded(parseFormBody(body as Buffer)));
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      done(Object.assign(error as Error, { statusCode: status }), undefined);
    }
  });
  return NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { ...startupOptions, bodyParser: false, logger });
}

/** OpenAPI UI at `/docs`, the document at `/docs-json`. */
function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Exactly-once payments API')
    .setDescription(
      'Accounts, deposits, transfers and reversals over a double-entry ledger. Money-moving POSTs take an ' +
        '`Idempotency-Key`: retry them as often as needed; money moves once and every retry gets the same answer. ' +
        'Errors are `application/problem+json` with a stable `code`.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description:
        'Your API key: `Authorization: Bearer sk_test_…`. A read-only key may only send GET requests; anything else answers 403 `permission_denied`.',
    })
    .build();
  SwaggerModule.setup('docs', app, () => documentPermissionDenied(SwaggerModule.createDocument(app, config)), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The application on Fastify (default) or Express, initialized, with the same body handling on both:
 * JSON and form bodies (bracket notation), a size limit, and integer-only numbers in JSON.
 */
export async function createApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const logger = options.logger ?? nestLogLevels(config.logLevel);
  const app = config.httpAdapter === 'fastify' ? await createFastifyApp(config, logger) : await createExpressApp(config, logger);
  // On the server itself, so Express and Fastify keep idle connections alike (Node's own default is 5 s).
  (app.getHttpServer() as Server).keepAliveTimeout = config.httpKeepAliveTimeoutMs;
  app.useGlobalPipes(createValidationPipe());
  setUpOpenApi(app);
  // Exit 0 after a clean drain (pino flushes on 'exit'); a stuck drain ends non-zero (see main.ts).
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  await app.init();
  // From here on the framework logs through pino as JSON lines, like the request log; the start-up
  // chatter (modules, routes) stayed at the quieter level above.
  if (logger !== false) app.useLogger(app.get(PinoLogger));
  return app;
}
