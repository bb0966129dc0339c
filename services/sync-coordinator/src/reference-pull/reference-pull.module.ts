import { Module } from '@nestjs/common';
import { GatewayTokenGuard } from '../auth/gateway-token.guard';
import { ReferencePullController } from './reference-pull.controller';
import { ReferencePullRepository } from './reference-pull.repository';

/** Reference data for the edge: gateways pull their tenant's sites, devices and employees by change cursor. */
@Module({ controllers: [ReferencePullController], providers: [GatewayTokenGuard, ReferencePullRepository] })
export class ReferencePullModule {}
