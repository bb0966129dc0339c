import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Controller, type DynamicModule, Get, Header, Inject, Module, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');
/** The only swagger-ui-dist files we serve (no path from the request ever reaches the file system). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API docs</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/api/docs-json', dom_id: '#ui' });</script>
</body></html>`;

@Controller('api')
class ApiDocsController {
  private readonly assetDir = dirname(require.resolve('swagger-ui-dist/package.json'));

  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: Record<string, unknown>) {}

  @Get('docs-json')
  json(): Record<string, unknown> {
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('docs/assets/:name')
  async asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!type) throw new NotFoundException();
    reply.header('Content-Type', type);
    return readFile(join(this.assetDir, name));
  }
}

/**
 * Serves an OpenAPI document at `/api/docs-json` and Swagger UI at `/api/docs` (DESIGN.md 7). The document is
 * built by each service from the zod schemas that validate its requests, so it cannot drift from them.
 */
@Module({})
export class ApiDocsModule {
  static forDocument(document: Record<string, unknown>): DynamicModule {
    return { module: ApiDocsModule, controllers: [ApiDocsController], providers: [{ provide: OPENAPI_DOCUMENT, useValue: document }] };
  }
}
