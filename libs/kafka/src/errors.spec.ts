import { KafkaJSError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { ContractViolationError, DependencyUnavailableError, isRetriableError, PoisonMessageError } from './errors';

describe(isRetriableError.name, () => {
  it.each([
    ['a dependency marked unavailable', new DependencyUnavailableError('postgres')],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['a Kafka client error (publishing failed after retries)', new KafkaJSNumberOfRetriesExceeded(new KafkaJSError('leader not available'), { retryCount: 5, retryTime: 100 })],
  ])('retries %s', (_name, error) => expect(isRetriableError(error)).toBe(true));

  it.each([
    ['poison', new PoisonMessageError('invalid-json', 'x')],
    ['a contract violation', new ContractViolationError('t.v1', ['x'])],
    ['a plain bug', new TypeError('boom')],
  ])('does not retry %s', (_name, error) => expect(isRetriableError(error)).toBe(false));
});
