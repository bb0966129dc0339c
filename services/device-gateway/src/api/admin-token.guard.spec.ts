import { ServiceUnavailableException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import type { GatewayConfig } from '../config/gateway.config';
import { Secret } from '../config/secret';
import { AdminTokenGuard } from './admin-token.guard';

const requestWith = (authorization?: string) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }) }) }) as unknown as ExecutionContext;

describe(AdminTokenGuard.name, () => {
  const guard = new AdminTokenGuard({ adminToken: new Secret('correct-horse-battery-staple', 'test') } as GatewayConfig);

  it('lets the configured token through, with any case of "Bearer"', () => {
    expect(guard.canActivate(requestWith('Bearer correct-horse-battery-staple'))).toBe(true);
    expect(guard.canActivate(requestWith('bearer correct-horse-battery-staple'))).toBe(true);
  });

  it.each([undefined, '', 'Basic Y29ycmVjdA==', 'Bearer', 'Bearer correct-horse-battery-stapl', 'Bearer correct-horse-battery-staplee', 'Bearer a b'])(
    'refuses %p with 401',
    (header) => {
      expect(() => guard.canActivate(requestWith(header))).toThrow(UnauthorizedException);
    },
  );

  it('answers 503 naming the variable when no token is configured', () => {
    const closed = new AdminTokenGuard({ adminToken: null } as GatewayConfig);
    expect(() => closed.canActivate(requestWith('Bearer anything-at-all-here'))).toThrow(ServiceUnavailableException);
    expect(() => closed.canActivate(requestWith())).toThrow(/set GATEWAY_ADMIN_TOKEN/);
  });
});
