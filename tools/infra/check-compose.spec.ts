import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, resolveTarget } from './check-compose.dockerfile';
import { interpolateString } from './check-compose.interpolate';
import { checkComposeText } from './check-compose.lib';
import { pinProblems } from './check-compose.rules';

const root = join(__dirname, '..', '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

/** The real file with `from` replaced by `to`; fails loudly if the anchor text is gone. */
function edited(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test fixture: ${JSON.stringify(from)} not found in docker-compose.yml`);
  return text.replace(from, to);
}

describe('checkComposeText', () => {
  it('accepts the real docker-compose.yml', () => {
    const result = checkComposeText(composeText, { rootDir: root });

    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.services).toEqual(
      expect.arrayContaining(['kafka', 'postgres', 'redis', 'device-gateway', 'ingest', 'sync-coordinator', 'status', 'adms-simulator']),
    );
  });

  it('reports project-rule violations in a broken variant', () => {
    let broken = edited(composeText, 'image: redis:7-alpine', 'image: redis:latest');
    broken = edited(broken, '3003:3003', '3001:3003');
    broken = edited(broken, 'dockerfile: deploy/docker/device-gateway/Dockerfile', 'dockerfile: deploy/docker/missing/Dockerfile');
    broken = edited(broken, '  kafka-init:\n    condition: service_completed_successfully', '  kafka-ghost:\n    condition: service_started');
    broken = edited(broken, '- gateway-data:/data', '- gateway-state:/data');
    broken = edited(broken, './deploy/demo/gateway-devices.yaml}', './deploy/demo/missing-devices.yaml}');

    const result = checkComposeText(broken, { rootDir: root });

    expect(result.ok).toBe(false);
    expect(result.problems).toEqual(
      expect.arrayContaining([
        'services.redis.image: "redis:latest" is not pinned (tag "latest"); pin a version',
        expect.stringMatching(/^ports: host port 3001\/tcp is published twice: ingest .* and status /),
        expect.stringMatching(/^services\.device-gateway\.build\.dockerfile deploy\/docker\/missing\/Dockerfile: file not found/),
        'services.ingest.depends_on: "kafka-ghost" is not a service in this file',
        'services.device-gateway.volumes: named volume "gateway-state" is not declared under top-level volumes',
        'services.device-gateway.volumes: bind-mount source "./deploy/demo/missing-devices.yaml" does not exist',
      ]),
    );
  });

  it('reports a service Dockerfile that is not on node:24, runs as root or copies a missing file', () => {
    const dockerfile = join(root, 'deploy/docker/node-service.Dockerfile');
    const rootOnNode20 = [
      'ARG NODE_IMAGE=node:20-slim',
      'FROM ${NODE_IMAGE} AS base',
      'FROM base AS runtime',
      'COPY package.json no-such-file.txt ./',
      'CMD ["node"]',
    ].join('\n');
    const readFile = (path: string) =>
      path === dockerfile ? rootOnNode20 : existsSync(path) ? readFileSync(path, 'utf8') : undefined;

    const result = checkComposeText(composeText, { rootDir: root, readFile });

    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/services\.ingest\.build.*stage "runtime" builds on "node:20-slim", not a node:24 image/),
        expect.stringMatching(/services\.status\.build.*stage "runtime" sets no USER, so it runs as root/),
        expect.stringMatching(/services\.ingest\.build.*line 4 copies "no-such-file\.txt", which is not in the build context/),
      ]),
    );
  });

  it('reports schema errors from the Compose Specification', () => {
    const broken = edited(composeText, '    restart: on-failure\n', '    restart: on-failure\n    restartt: always\n');

    const result = checkComposeText(broken, { rootDir: root });

    expect(result.problems).toContain('schema: services.adms-simulator must NOT have additional properties ("restartt")');
  });

  it('reports YAML syntax errors', () => {
    const result = checkComposeText('services:\n  a: [\n', { rootDir: root });

    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatch(/^yaml: /);
  });
});

describe('interpolateString', () => {
  const env = { SET: 'value', EMPTY: '' };
  const expand = (text: string) => {
    const problems: string[] = [];
    return { value: interpolateString(text, env, (message) => problems.push(message)), problems };
  };

  it('follows the Compose rules for defaults, escapes and nesting', () => {
    expect(expand('${SET:-x}/${EMPTY:-x}/${EMPTY-x}/${UNSET-x}').value).toBe('value/x//x');
    expect(expand('$$topic and $SET').value).toBe('$topic and value');
    expect(expand('${UNSET:-${SET}}:${SET:+alt}').value).toBe('value:alt');
  });

  it('reports variables without a default', () => {
    expect(expand('${UNSET}').problems).toEqual([expect.stringContaining('variable UNSET has no default')]);
    expect(expand('${UNSET:?needed}').problems).toEqual([expect.stringContaining('required variable UNSET')]);
  });
});

describe('parseDockerfile + resolveTarget', () => {
  const text = [
    'ARG BASE=node:24-bookworm-slim',
    'FROM ${BASE} AS base',
    'USER 1000:1000',
    'HEALTHCHECK CMD ["node", "h.js"]',
    'FROM base AS tool',
    'HEALTHCHECK NONE',
    'FROM base AS app',
    'RUN echo a \\',
    '  # a comment inside a continuation',
    '  && echo b',
  ].join('\n');

  it('follows stage chains and inherits USER and HEALTHCHECK', () => {
    const app = resolveTarget(parseDockerfile(text));
    const tool = resolveTarget(parseDockerfile(text), 'tool');

    expect(app).toMatchObject({ baseImage: 'node:24-bookworm-slim', user: '1000:1000', hasHealthcheck: true });
    expect(tool).toMatchObject({ user: '1000:1000', hasHealthcheck: false });
    expect(resolveTarget(parseDockerfile(text), 'nope')).toBe('target stage "nope" does not exist');
  });

  it('lets build args override global ARG defaults', () => {
    expect(resolveTarget(parseDockerfile(text, { BASE: 'node:22' }))).toMatchObject({ baseImage: 'node:22' });
  });
});

describe('pinProblems', () => {
  it('accepts tags and digests, rejects latest and untagged references', () => {
    expect(pinProblems('x', 'apache/kafka:3.9.1')).toEqual([]);
    expect(pinProblems('x', `node@sha256:${'a'.repeat(64)}`)).toEqual([]);
    expect(pinProblems('x', 'localhost:5000/app')).toHaveLength(1);
    expect(pinProblems('x', 'redis:latest')).toHaveLength(1);
  });
});
