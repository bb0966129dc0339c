import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { PresenceService, type Presence } from './presence.service';

/** Who is in the building now (the dashboard's first panel). */
@Controller('api/v1/presence')
@UseGuards(AdminTokenGuard)
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  today(): Presence {
    return this.presence.today();
  }
}
