import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthRegistry } from './health-registry';
import { SERVICE_INFO, type ServiceInfo } from './tokens';

@Controller('health')
export class HealthController {
  constructor(
    private readonly registry: HealthRegistry,
    @Inject(SERVICE_INFO) private readonly service: ServiceInfo,
  ) {}

  /** The process is alive and its event loop answers; dependencies are not checked here. */
  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok', service: this.service.name, version: this.service.version };
  }

  /** Every dependency answered within its timeout; 503 with the failing checks otherwise. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const { ready, checks } = await this.registry.runAll();
    reply.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not-ready', service: this.service.name, checks };
  }
}
