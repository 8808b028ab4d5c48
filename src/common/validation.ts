import { ArgumentMetadata, ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { plainParamName, ValidationFailedError } from './domain-error';
import { MAX_MINOR_UNITS } from './money';

/** Set (non-enumerable) on bodies parsed from `application/x-www-form-urlencoded`, where every value is a string. */
export const FORM_ENCODED = Symbol('form-encoded');

/**
 * Accepts the decimal-digit string form of an integer where the transport only has strings (form
 * bodies, query strings). JSON bodies must send a real number: `"100"` stays a string there and fails.
 */
export function IntegerFromString(source: 'form' | 'query' = 'form'): PropertyDecorator {
  return Transform(({ value, obj }) =>
    typeof value === 'string' && /^(0|[1-9]\d{0,15})$/.test(value) && (source === 'query' || obj?.[FORM_ENCODED])
      ? Number(value)
      : value,
  );
}

/** A positive integer number of minor units, at most 2^53−1. */
export function IsMinorUnits(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMinorUnits',
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_MINOR_UNITS,
        defaultMessage: (args) => `${args?.property} must be a positive integer number of minor units, at most ${MAX_MINOR_UNITS}`,
      },
    },
    options,
  );
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((code) => code.toLowerCase()));

/** A lower-case ISO 4217 code such as `usd`. */
export function IsCurrencyCode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCurrencyCode',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && /^[a-z]{3}$/.test(value) && CURRENCIES.has(value),
        defaultMessage: (args) => `${args?.property} must be a lower-case ISO 4217 currency code such as usd`,
      },
    },
    options,
  );
}

/** Stripe's metadata limits: what `IsMetadata` admits, and what the columns holding it are sized for. */
export const METADATA_LIMITS = { keys: 50, keyLength: 40, valueLength: 500 } as const;

/** Up to 50 string keys (≤ 40 chars) with string values (≤ 500 chars), as Stripe's metadata. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  const { keys, keyLength, valueLength } = METADATA_LIMITS;
  return ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= keys &&
          Object.entries(value).every(([k, v]) => k.length >= 1 && k.length <= keyLength && typeof v === 'string' && v.length <= valueLength),
        defaultMessage: (args) =>
          `${args?.property} must be an object of at most ${keys} string values (keys up to ${keyLength} characters, values up to ${valueLength})`,
      },
    },
    options,
  );
}

/**
 * Takes a metadata object as it was parsed, key for key, as plain data. Without it class-transformer
 * rebuilds the object and skips every key an ordinary object already has (`constructor`, `toString`,
 * `valueOf`, `hasOwnProperty`…), so they vanished with a 201; and assigning `__proto__` would set the
 * prototype instead of a key. Those keys are kept as data; `__proto__`, which JavaScript clients
 * cannot hold as a plain key either, is refused naming it.
 */
export function MetadataFromRequest(): PropertyDecorator {
  // `@Type(() => Object)`: without a type, class-transformer takes an own `constructor` key for the
  // object's class and throws; with it, its own copy (replaced just below) is only incomplete.
  const asObject = Type(() => Object);
  const fromRaw = Transform(({ obj, key }) => {
    const raw: unknown = obj?.[key];
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
    const entries = Object.entries(raw);
    if (entries.some(([name]) => name === '__proto__')) {
      throw new ValidationFailedError(`${key}[__proto__] is not allowed: __proto__ cannot be a metadata key.`, `${key}[__proto__]`);
    }
    return Object.fromEntries(entries);
  });
  return (target, property) => {
    asObject(target, property);
    fromRaw(target, property);
  };
}

/** When a field breaks several rules, the most basic one is the one worth telling. */
const RULE_PRIORITY = ['whitelistValidation', 'isDefined', 'isNotEmpty', 'isString', 'isInt', 'isMinorUnits', 'isCurrencyCode', 'isMetadata'];

function mostBasic(constraints: Record<string, string>): string {
  const rule = RULE_PRIORITY.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  return constraints[rule];
}

function firstProblem(errors: ClassValidatorError[], prefix = ''): { param: string; message: string } {
  const error = errors[0];
  const param = prefix ? `${prefix}[${error.property}]` : error.property;
  if (error.constraints?.whitelistValidation) {
    return plainParamName(error.property)
      ? { param, message: `${param} is not a known parameter` }
      : { param: prefix || 'body', message: 'The request has a parameter this endpoint does not accept.' };
  }
  if (error.constraints) return { param, message: mostBasic(error.constraints) };
  return error.children?.length ? firstProblem(error.children, param) : { param, message: `${param} is invalid` };
}

/** A lone UTF-16 surrogate (what a JSON `\ud800` escape makes): no UTF-8 column can store it as sent. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first field of a parsed body or query that cannot be taken as plain data: a top-level name an
 * ordinary object already has (`constructor`, `toString`…: no DTO declares one, so it is unknown like
 * any other), `__proto__` at any depth (assigning it sets a prototype), or text with a lone surrogate
 * (stored, it would silently become U+FFFD).
 */
function unplainField(value: object, prefix = ''): { param: string; message: string } | undefined {
  for (const [key, child] of Object.entries(value)) {
    const param = prefix ? `${prefix}[${key}]` : key;
    if (!prefix && key in Object.prototype) return { param, message: `${param} is not a known parameter` };
    if (key === '__proto__') return { param, message: `${param} is not allowed: __proto__ cannot be a metadata key.` };
    if (LONE_SURROGATE.test(key) || (typeof child === 'string' && LONE_SURROGATE.test(child))) {
      return { param: plainParamName(param) ?? (prefix || 'body'), message: `${plainParamName(param) ?? 'A field'} contains text that is not valid Unicode (a lone surrogate).` };
    }
    if (typeof child === 'object' && child !== null) {
      const inner = unplainField(child, param);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** Refuses a body that is not an object (a JSON array, string or number) before looking at fields. */
class RequestValidationPipe extends ValidationPipe {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ValidationFailedError('The request body must be a JSON object or form data.', 'body');
    }
    if ((metadata.type === 'body' || metadata.type === 'query') && typeof value === 'object' && value !== null) {
      const problem = unplainField(value);
      if (problem) throw new ValidationFailedError(problem.message, problem.param);
    }
    return super.transform(value, metadata);
  }

  /**
   * Nest deletes `__proto__`, `prototype` and `constructor` at every depth before transforming, so
   * metadata keys of those names vanished with a 201. Here nothing is deleted: `unplainField` has
   * refused `__proto__` (anywhere) and every top-level name an object already has, and metadata is
   * copied as plain data (`MetadataFromRequest`), so `constructor` and `prototype` are kept as keys.
   */
  protected stripProtoKeys(): void {}
}

/** Input validation for every route: unknown fields refused, the first bad field named in `param`. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const { param, message } = firstProblem(errors);
      return new ValidationFailedError(message, param);
    },
  });
}
