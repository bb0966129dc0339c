import { Controller, Get, Header, HttpCode } from '@nestjs/common';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard/dashboard-page';

// NOTE: the page holds no data, so it is served without the token; every number on it comes from /api/v1
// with the operator's token. The CSP allows only our own files (no inline script, no third-party origin).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The offline local dashboard at `/` on :8080. */
@Controller()
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-store')
  page(): string {
    return DASHBOARD_HTML;
  }

  @Get('dashboard.js')
  @Header('Content-Type', 'application/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  script(): string {
    return DASHBOARD_JS;
  }

  @Get('dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  style(): string {
    return DASHBOARD_CSS;
  }

  /** Browsers ask for it; no icon rather than a 404 in every operator's console. */
  @Get('favicon.ico')
  @HttpCode(204)
  favicon(): void {}
}
