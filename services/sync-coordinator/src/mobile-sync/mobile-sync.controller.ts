import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MobileJwtGuard, type MobileRequest } from '../auth/mobile-jwt.guard';
import type { MobileSyncResponse } from './mobile-sync.schemas';
import { MobileSyncService, RateLimited } from './mobile-sync.service';

/** Mobile offline clients sync their clock-in/out records here (JWT of the user). */
@Controller('api/v1/attendance')
@UseGuards(MobileJwtGuard)
export class MobileSyncController {
  constructor(private readonly service: MobileSyncService) {}

  @Post('sync')
  @HttpCode(200)
  async sync(@Req() request: MobileRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<MobileSyncResponse> {
    try {
      return await this.service.sync(request.mobileUser!, body, { clientIp: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null });
    } catch (error) {
      if (error instanceof RateLimited) reply.header('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
  }
}
