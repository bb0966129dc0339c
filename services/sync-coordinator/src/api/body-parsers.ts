import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** `text/csv` bodies (the employee import) arrive as one string; Fastify parses only JSON and text/plain. */
export function registerBodyParsers(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}
