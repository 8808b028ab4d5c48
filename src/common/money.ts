/**
 * Money is an integer number of minor units (cents) everywhere. The database holds BIGINT, which
 * the drivers may hand back as strings; this converts at the boundary and refuses anything a
 * JavaScript number cannot hold exactly.
 */
export const MAX_MINOR_UNITS = Number.MAX_SAFE_INTEGER;

export function toMinorUnits(value: string | number | bigint | null): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`not an exact integer amount: ${String(value)}`);
  return n;
}

/** TypeORM column transformer for BIGINT money columns. */
export const minorUnitsTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : toMinorUnits(value)),
};
