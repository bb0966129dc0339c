import { installRequestQueueFix } from './request-queue-fix';

// kafkajs's own RequestQueue (2.2.4), the class the fix patches.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => {
  push(request: { entry: { correlationId: number; resolve: () => void }; expectResponse: boolean; sendRequest: () => void }): void;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  destroy(): void;
  pending: unknown[];
  throttleCheckTimeoutId: unknown;
};

const silentLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const resolve = () => undefined;
const newQueue = (maxInFlightRequests: number | null = null) =>
  new RequestQueue({ maxInFlightRequests, requestTimeout: 30000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger: silentLogger });

describe(installRequestQueueFix.name, () => {
  beforeAll(() => expect(installRequestQueueFix()).toEqual({ installed: true }));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer while nothing is waiting (kafkajs 2.2.4 re-armed a ~1 ms timer forever)', () => {
    const queue = newQueue();
    const sent: number[] = [];
    queue.push({ entry: { correlationId: 1, resolve }, expectResponse: true, sendRequest: () => sent.push(1) });
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    queue.checkPendingRequests();
    expect(sent).toEqual([1]);
    expect(queue.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    queue.destroy();
  });

  it('still sends a request queued behind a broker throttle once the throttle ends', () => {
    const queue = newQueue();
    const sent: number[] = [];
    queue.maybeThrottle(200);
    queue.push({ entry: { correlationId: 7, resolve }, expectResponse: true, sendRequest: () => sent.push(7) });
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(150);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(60);
    expect(sent).toEqual([7]);
    expect(jest.getTimerCount()).toBe(0); // and then no loop
    queue.destroy();
  });

  it('sends a request queued behind the in-flight limit when the request ahead of it finishes', () => {
    const queue = newQueue(1);
    const sent: number[] = [];
    queue.push({ entry: { correlationId: 1, resolve }, expectResponse: true, sendRequest: () => sent.push(1) });
    queue.push({ entry: { correlationId: 2, resolve }, expectResponse: true, sendRequest: () => sent.push(2) });
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    queue.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    jest.advanceTimersByTime(1000);
    expect(queue.pending).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
    queue.destroy();
  });
});
