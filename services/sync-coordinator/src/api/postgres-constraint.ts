/** The SQLSTATE and constraint of a Postgres error (TypeORM wraps the driver's error), if it is one. */
export function postgresErrorOf(error: unknown): { code: string; constraint?: string } | null {
  for (const candidate of [error, (error as { driverError?: unknown })?.driverError]) {
    const code = (candidate as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      const constraint = (candidate as { constraint?: unknown }).constraint;
      return typeof constraint === 'string' ? { code, constraint } : { code };
    }
  }
  return null;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
