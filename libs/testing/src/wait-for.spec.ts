import { waitFor } from './wait-for';

describe(waitFor.name, () => {
  it('resolves with the first truthy value, treating throws as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not connected');
        return calls >= 3 ? `done after ${calls}` : undefined;
      },
      { description: 'three calls', intervalMs: 1 },
    );
    expect(value).toBe('done after 3');
  });

  it('names what it waited for and the last error on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still rebalancing');
        },
        { description: 'the consumer group', timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('Timed out after 30 ms waiting for the consumer group (last error: still rebalancing)');
  });
});
