import { newClusterId, renderServerProperties } from './kafka-server-properties';

describe(renderServerProperties.name, () => {
  const properties = renderServerProperties({ port: 19092, controllerPort: 19093, dataDir: '/tmp/kafka-data' });
  const value = (key: string): string | undefined =>
    properties.split('\n').find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);

  it('puts broker and controller on the given loopback ports, advertising only the client listener', () => {
    expect(value('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(value('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(value('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
    expect(value('log.dirs')).toBe('/tmp/kafka-data');
  });

  it('uses replication factor 1 for every internal topic (single node)', () => {
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr']) {
      expect(value(key)).toBe('1');
    }
    expect(value('offsets.topic.num.partitions')).toBe('1');
    expect(value('group.initial.rebalance.delay.ms')).toBe('0');
    expect(value('num.partitions')).toBe('3');
  });
});

describe(newClusterId.name, () => {
  it('returns 22 base64url characters that never start with a dash', () => {
    for (let i = 0; i < 200; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
