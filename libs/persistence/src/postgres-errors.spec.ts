import { DependencyUnavailableError } from '@attendance/kafka';
import { classifyPostgresError } from './postgres-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const typeormWrapped = (code: string) => Object.assign(new Error('QueryFailedError'), { driverError: pgError(code) });

describe(classifyPostgresError.name, () => {
  it.each([
    ['connection refused', pgError('ECONNREFUSED')],
    ['admin shutdown', pgError('57P01')],
    ['deadlock', typeormWrapped('40P01')],
    ['disk full', pgError('53100')],
    ['schema does not match the code (undefined column)', typeormWrapped('42703')],
    ['missing table', pgError('42P01')],
    ['permission denied', pgError('42501')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
  ])('pauses instead of dead-lettering on %s', (_name, error) => {
    expect(classifyPostgresError(error)).toBeInstanceOf(DependencyUnavailableError);
  });

  it.each([
    ['an invalid timestamp', typeormWrapped('22007')],
    ['a value too long', pgError('22001')],
    ['a violated constraint', pgError('23502')],
    ['a bug of ours (no SQLSTATE)', new TypeError('cannot read properties of undefined')],
  ])('lets %s through as the message\'s fault', (_name, error) => {
    expect(classifyPostgresError(error)).toBe(error);
  });
});
