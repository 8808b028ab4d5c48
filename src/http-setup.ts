import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import express from 'express';
import { parse as parseQueryString } from 'qs';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { checkJsonText } from './common/json-body';
import { createValidationPipe, FORM_ENCODED } from './common/validation';

/** Largest request body accepted; larger ones get 413. Payment requests are a few hundred bytes. */
export const BODY_LIMIT_BYTES = 100 * 1024;
/** Bracket notation (`metadata[a][b]`) nests no deeper than this in form bodies. */
const FORM_DEPTH = 5;

function markFormEncoded<T>(body: T): T {
  if (body && typeof body === 'object') Object.defineProperty(body, FORM_ENCODED, { value: true });
  return body;
}

async function createExpressApp(config: AppConfig, logger: false | undefined): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(), {
    bodyParser: false,
    logger,
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    express.json({
      limit: BODY_LIMIT_BYTES,
      type: ['application/json', 'application/*+json'],
      strict: false,
      verify: (_req, _res, buffer) => checkJsonText(buffer.toString('utf8')),
    }),
  );
  app.use(express.urlencoded({ extended: true, limit: BODY_LIMIT_BYTES, parameterLimit: 200, depth: FORM_DEPTH } as never));
  app.use((req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (req.is('application/x-www-form-urlencoded')) markFormEncoded(req.body);
    next();
  });
  return app;
}

async function createFastifyApp(config: AppConfig, logger: false | undefined): Promise<INestApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES });
  const instance = adapter.getInstance();
  instance.removeContentTypeParser(['application/json']);
  instance.addContentTypeParser(/^application\/([^;]+\+)?json/, { parseAs: 'string' }, (_req, body, done) => {
    try {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      checkJsonText(text);
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
  instance.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, markFormEncoded(parseQueryString(String(body), { depth: FORM_DEPTH, parameterLimit: 200 })));
  });
  return NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger });
}

/**
 * The application on Express (default) or Fastify, with the same body handling on both: JSON and
 * form bodies (bracket notation), a size limit, and integer-only numbers in JSON.
 */
export async function createApp(config: AppConfig, options: { logger?: false } = {}): Promise<INestApplication> {
  const app =
    config.httpAdapter === 'fastify' ? await createFastifyApp(config, options.logger) : await createExpressApp(config, options.logger);
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  return app;
}
