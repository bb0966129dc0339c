import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_TOPICS, dlqTopicName } from '@attendance/contracts';
import { repoRoot } from './repo-root';

/**
 * docker-compose's `kafka-init` creates the topics before the services start (the services' consumers would
 * otherwise race the broker's auto-creation with its default partition count). Its list is written out in
 * the compose file, so this keeps it equal to the contracts: a new topic in libs/contracts fails here until
 * compose creates it too.
 */
function composeTopics(): string[] {
  const compose = readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8');
  const loop = /for topic in \\\n([\s\S]*?)\n\s*do\n/.exec(compose);
  if (!loop) throw new Error('docker-compose.yml: kafka-init has no `for topic in ... do` list');
  return loop[1]!
    .split('\n')
    .map((line) => line.replace(/\\\s*$/, '').trim())
    .filter(Boolean);
}

describe('docker-compose kafka-init topics', () => {
  it('creates every contract topic, and the raw-punch dead-letter topic ingest writes to', () => {
    const expected = [...ALL_TOPICS.map((topic) => topic.name), dlqTopicName('attendance.punch.raw.v1')].sort();
    expect(composeTopics().sort()).toEqual(expected);
  });
});
