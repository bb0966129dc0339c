import { takeStops } from './infra-handles';

/** Jest globalTeardown of the `integration` project: stops whatever the global setup started. */
export default async function globalTeardown(): Promise<void> {
  const results = await Promise.allSettled(takeStops().map((stop) => stop()));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  if (failures.length > 0) throw new Error(`stopping test infrastructure failed:\n${failures.join('\n')}`);
}
