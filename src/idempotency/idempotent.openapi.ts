/**
 * OpenAPI for `@Idempotent()` routes, added by the decorator itself so no route can forget it:
 * the `Idempotency-Key` header (required or optional, as the route is) and the layer's 409/422/400
 * answers. `@nestjs/swagger` is an optional peer: without it, this adds nothing.
 */
import type { IdempotentOptions } from './idempotent.decorator';

type Decorator = MethodDecorator & ClassDecorator;

let swagger: typeof import('@nestjs/swagger') | null | undefined;

function loadSwagger(): typeof import('@nestjs/swagger') | null {
  if (swagger === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only if installed
      swagger = require('@nestjs/swagger');
    } catch {
      swagger = null;
    }
  }
  return swagger ?? null;
}

/**
 * Marks the key header among a route's OpenAPI parameters, so that the module can give it the
 * configured `headerName` once it knows it (decorators run before the module is configured).
 */
const KEY_HEADER_MARK = 'x-idempotency-key';

export function idempotencyOpenApi(options: IdempotentOptions, headerName = 'Idempotency-Key'): Decorator[] {
  const api = loadSwagger();
  if (!api) return [];
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { type: 'object', properties: { code: { type: 'string' } } } } },
  });
  return [
    api.ApiHeader({
      name: headerName,
      required: Boolean(options.required),
      description:
        'A unique key for this request, 1-255 printable ASCII characters (a UUIDv4 is ideal). Send the same key on every retry: ' +
        'the first request runs once; repeats get its stored response with `Idempotent-Replayed: true`. ' +
        'An RFC 8941 quoted string is read as its content (`"a\\"b"` names `a"b`). A retry must use the encoding of the original ' +
        '(a form retry of a JSON original is another request: 422).' +
        (options.purpose ? ` Keys minted for another purpose than \`${options.purpose}\` are refused.` : ''),
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      extensions: { [KEY_HEADER_MARK]: true },
    }),
    api.ApiResponse({
      status: 409,
      ...problem('`idempotency_key_in_use`: the first request with this key is still running; retry after `Retry-After`.'),
    }),
    api.ApiResponse({
      status: 422,
      ...problem('`idempotency_key_reused`: the key was used for a different request; or a business rule declined the request.'),
    }),
    api.ApiResponse({
      status: 400,
      ...problem('`idempotency_key_missing`, `idempotency_key_invalid`, or `validation_error` naming the field in `param`.'),
    }),
    api.ApiResponse({
      status: 503,
      ...problem('`idempotency_store_unavailable` or `idempotency_lease_lost`: nothing was kept; retry with the same key.'),
    }) as Decorator,
  ] as Decorator[];
}

/** Applies a `@nestjs/swagger` decorator by name when the package is present, else nothing. */
export function optionalOpenApi(
  name: 'ApiTags' | 'ApiBearerAuth' | 'ApiPropertyOptional' | 'ApiOperation',
  ...args: unknown[]
): Decorator & PropertyDecorator {
  const api = loadSwagger() as Record<string, (...a: unknown[]) => Decorator & PropertyDecorator> | null;
  return api ? api[name](...args) : () => undefined;
}

interface HeaderParameter {
  in?: string;
  name?: string;
  [KEY_HEADER_MARK]?: boolean;
}

/**
 * Gives the key header of an `@Idempotent()` handler (or controller) the configured name in the
 * OpenAPI metadata of `@nestjs/swagger`: method parameters and class-level headers alike.
 */
export function nameKeyHeader(controller: object, handler: object, headerName: string): void {
  const api = loadSwagger() as { DECORATORS?: Record<string, string> } | null;
  const { DECORATORS } = api ?? {};
  if (!DECORATORS) return;
  for (const [key, target] of [
    [DECORATORS.API_PARAMETERS, handler],
    [DECORATORS.API_HEADERS, controller],
  ] as const) {
    const parameters: HeaderParameter[] | undefined = Reflect.getMetadata(key, target);
    for (const parameter of parameters ?? []) if (parameter[KEY_HEADER_MARK]) parameter.name = headerName;
  }
}
