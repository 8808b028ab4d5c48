import { ArgumentMetadata, ValidationError as ClassValidatorError, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
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

/** Up to 50 string keys (≤ 40 chars) with string values (≤ 500 chars), as Stripe's metadata. */
export function IsMetadata(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadata',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 50 &&
          Object.entries(value).every(([k, v]) => k.length >= 1 && k.length <= 40 && typeof v === 'string' && v.length <= 500),
        defaultMessage: (args) =>
          `${args?.property} must be an object of at most 50 string values (keys up to 40 characters, values up to 500)`,
      },
    },
    options,
  );
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

/** Refuses a body that is not an object (a JSON array, string or number) before looking at fields. */
class RequestValidationPipe extends ValidationPipe {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' && value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ValidationFailedError('The request body must be a JSON object or form data.', 'body');
    }
    return super.transform(value, metadata);
  }
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
