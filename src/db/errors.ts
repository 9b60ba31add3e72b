import { QueryFailedError } from 'typeorm';

/** True when a write failed on a unique index: the row exists already (a race another request won). */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driverError = (err as QueryFailedError & { driverError?: { code?: string; message?: string } }).driverError;
  return driverError?.code === '23505' || /UNIQUE constraint failed/.test(driverError?.message ?? err.message);
}
