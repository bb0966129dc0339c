import { dlqTopicName, type TopicContract } from '../topic-contract';
import { TOPIC_SAMPLES } from '../samples/topic-samples';
import { ALL_TOPICS, findTopic, TOPICS, type TopicId } from './topic-registry';
import { issuesOf } from './schema-test-helpers';

describe('TOPICS', () => {
  it('holds every topic of DESIGN.md section 4', () => {
    expect(ALL_TOPICS.map((t) => t.name)).toEqual([
      'attendance.punch.raw.v1',
      'attendance.punch.accepted.v1',
      'edge.gateway.heartbeat.v1',
      'edge.device.event.v1',
      'edge.gateway.command.v1',
      'edge.gateway.command-result.v1',
      'attendance.completeness.v1',
      'ops.device.health.v1',
      'attendance.mobile-record.v1',
    ]);
  });

  it('is usable wherever a generic TopicContract is expected', () => {
    const generic: readonly TopicContract[] = ALL_TOPICS;
    expect(generic).toHaveLength(9);
  });

  it('documents key, producers and consumers of every topic', () => {
    for (const topic of ALL_TOPICS) {
      expect(topic.description.length).toBeGreaterThan(20);
      expect(topic.keyDescription).toMatch(/^`\$\{/);
      expect(topic.producers.length).toBeGreaterThan(0);
      expect(topic.consumers.length).toBeGreaterThan(0);
    }
  });

  it('finds topics by name, but not DLQs', () => {
    expect(findTopic('attendance.punch.raw.v1')).toBe(TOPICS.punchRaw);
    expect(findTopic(dlqTopicName('attendance.punch.raw.v1'))).toBeUndefined();
  });

  describe.each(Object.keys(TOPICS) as TopicId[])('%s', (id) => {
    const topic: TopicContract = TOPICS[id];
    const sample = TOPIC_SAMPLES[id];

    it('accepts its sample value', () => {
      expect(issuesOf(topic.schema, sample)).toEqual([]);
    });

    it('derives the documented key', () => {
      const value = topic.schema.parse(sample) as Record<string, string>;
      const expected: Record<TopicId, string> = {
        punchRaw: `${value['tenantId']}:${value['deviceSerial']}`,
        punchAccepted: `${value['tenantId']}:${value['deviceSerial']}`,
        gatewayHeartbeat: `${value['gatewayId']}`,
        deviceEvent: `${value['tenantId']}:${value['deviceSerial']}`,
        gatewayCommand: `${value['gatewayId']}`,
        gatewayCommandResult: `${value['gatewayId']}`,
        completeness: `${value['tenantId']}:${value['siteId']}`,
        deviceHealth: `${value['tenantId']}:${value['deviceSerial']}`,
        mobileRecord: `${value['tenantId']}:${value['recordId']}`,
      };
      expect(topic.key(value)).toBe(expected[id]);
    });

    it('survives a JSON round trip unchanged', () => {
      const parsed = topic.schema.parse(JSON.parse(JSON.stringify(sample)));
      expect(parsed).toEqual(sample);
    });

    it('rejects a non-object', () => {
      expect(topic.schema.safeParse('{}').success).toBe(false);
      expect(topic.schema.safeParse(null).success).toBe(false);
    });
  });
});
