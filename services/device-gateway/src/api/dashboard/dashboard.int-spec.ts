import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FakeSyncCoordinator } from '../../reference/testing/fake-sync-coordinator';
import { admsUpload, CONFIGURED, deviceLocalTime, startTestGateway, type TestGateway } from '../testing/local-api-test-gateway';

// The dashboard in real headless Chromium against a running in-process gateway (real SQLite, real HTTP).
const TOKEN = 'dashboard-admin-token-0123';
const STRANGER = 'NEWDEVICE7';

describe('local dashboard', () => {
  let dataDir: string;
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  const cloud = new FakeSyncCoordinator({ token: 'sync-token-dashboard', tenantId: 'tenant-api', gatewayId: 'gw-api' });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-dashboard-'));
    await cloud.listen();
    cloud.employee('emp-21', 'Meera Iyer', '21');
    gateway = await startTestGateway(dataDir, { GATEWAY_ADMIN_TOKEN: TOKEN, SYNC_COORDINATOR_URL: cloud.url, GATEWAY_SYNC_TOKEN: 'sync-token-dashboard' }, process.env.TEST_LOG_LEVEL);
    await gateway.runtime.referenceSync.refresh();
    const now = new Date();
    // 21 is in (a name from the reference cache), 22 came and left, a stranger device waits with two punches.
    expect(await admsUpload(gateway, CONFIGURED, [`21\t${deviceLocalTime(now)}\t0\t1`, `22\t${deviceLocalTime(now)}\t0\t1`, `22\t${deviceLocalTime(now)}\t1\t1`, 'broken\x01line'].join('\n'))).toBe('OK: 4');
    expect(await admsUpload(gateway, STRANGER, ['31\t2024-06-01 08:00:00\t0\t1', '32\t2024-06-01 08:05:00\t0\t1'].join('\n'))).toBe('OK: 2');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.app.close();
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    page = await (await browser.newContext()).newPage();
  });

  afterEach(async () => {
    await page.context().close();
  });

  const signIn = async (token: string) => {
    await page.goto(gateway.api + '/');
    await page.getByTestId('login').waitFor();
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
  };

  it('asks for the token, then shows presence, devices, backlog, pending devices and quarantine', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await signIn(TOKEN);

    await page.getByTestId('inside-person').first().waitFor();
    expect(await page.getByTestId('inside-person').allTextContents()).toEqual([expect.stringContaining('Meera Iyer')]);
    expect(await page.getByTestId('inside-count').textContent()).toBe('(1)');
    expect(await page.getByTestId(`device-${CONFIGURED}`).textContent()).toContain('Front door');
    expect(await page.getByTestId('backlog').textContent()).toContain('3 punches waiting to sync');
    expect(await page.getByTestId('pending-device').textContent()).toContain(STRANGER);
    expect(await page.getByTestId('quarantine-item').allTextContents()).toEqual([expect.stringContaining('broken\\x01line')]);
    expect(await page.getByTestId('reference').textContent()).toContain('1 employees');
    expect(errors).toEqual([]);
  });

  it('approves a pending device: its stored punches join the backlog and it leaves the pending list', async () => {
    await signIn(TOKEN);
    await page.getByTestId(`approve-${STRANGER}`).click();
    await page.getByTestId('message').filter({ hasText: `Approved ${STRANGER}: 2 stored punches forwarded` }).waitFor();
    await page.getByTestId('pending').filter({ hasText: 'No pending devices.' }).waitFor();
    expect(await page.getByTestId('backlog').textContent()).toContain('5 punches waiting to sync');
    expect(await page.getByTestId(`device-${STRANGER}`).textContent()).toContain('approved (not in config)');
    const outbox = gateway.runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(STRANGER) as { n: number };
    expect(outbox.n).toBe(2);
  });

  it('keeps the token for the tab only, and asks again after a wrong one', async () => {
    await signIn('wrong-token-but-long-enough');
    await page.getByTestId('message').filter({ hasText: 'not accepted' }).waitFor();
    expect(await page.getByTestId('login').isVisible()).toBe(true);

    await signIn(TOKEN);
    await page.getByTestId('inside-person').first().waitFor();
    await page.reload();
    await page.getByTestId('inside-person').first().waitFor();
    expect(await page.getByTestId('login').isVisible()).toBe(false);

    const otherTab = await (await browser.newContext()).newPage();
    await otherTab.goto(gateway.api + '/');
    await otherTab.getByTestId('login').waitFor();
    await otherTab.context().close();
  });
});
