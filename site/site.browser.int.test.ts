import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndexServer, type IndexServer } from '../test/index-server.js';
import { listZip } from '../test/layer-zip.js';
import { startLocalServer, type LocalServer } from '../test/local-server.js';
import { PROJECT_ROOT } from '../test/run-tsx.js';
import { writeWheel } from '../test/wheel-factory.js';
import { launchChromium } from './test-support/chromium.js';
import { buildSite } from './test-support/site-build.js';

const SCREENSHOTS = join(PROJECT_ROOT, 'test-artifacts');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const BUILD_DONE_MS = 90_000;

let wheels: string;
let data: string;
let index: IndexServer;
let server: LocalServer;
let browser: Browser;
let page: Page;
let buildId: string;

beforeAll(async () => {
  browser = await launchChromium();
  await buildSite();
  await mkdir(SCREENSHOTS, { recursive: true });
  wheels = await mkdtemp(join(tmpdir(), 'site-wheels-'));
  data = await mkdtemp(join(tmpdir(), 'site-data-'));
  await writeWheel(wheels, { name: 'greeting', version: '2.0', requires: ['helper>=1'], files: { 'greeting/words.txt': 'hello '.repeat(40_000) } });
  await writeWheel(wheels, { name: 'helper', version: '1.1' });
  index = await startIndexServer(wheels);
  server = await startLocalServer({ LAYER_INDEX_URL: index.url, LAYER_DATA_DIR: data });
  const context = await browser.newContext({ viewport: DESKTOP, colorScheme: 'light', acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await index?.close();
  if (wheels) await rm(wheels, { recursive: true, force: true });
  if (data) await rm(data, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `site-${name}.png`), fullPage: true });
}

function requirementsBox() {
  return page.getByRole('textbox', { name: 'Requirements', exact: true });
}

/** The build the first test submitted; later steps follow it. */
function submittedBuild(): string {
  expect(buildId, 'the first test did not submit a build').toBeTruthy();
  return buildId;
}

function card(id: string) {
  return page.locator(`article.card[data-build-id="${id}"]`);
}

describe('the site in Chromium against the local server', () => {
  it('is served at / beside the API, whose routes win over static files', async () => {
    const home = await fetch(server.url);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(await home.text()).toContain('<div id="app"></div>');
    const runtimes = await fetch(`${server.url}/runtimes`);
    expect(runtimes.headers.get('content-type')).toContain('application/json');
    expect(((await runtimes.json()) as { runtimes: unknown[] }).runtimes.length).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/builds/no-such-build`)).status).toBe(404);
  });

  it('builds an uploaded set for two architectures and shows it COMPLETED with report and publish commands', async () => {
    await page.goto(server.url);
    await page.getByLabel('Python version').selectOption('3.12');
    await page.getByLabel('Upload requirements.txt').setInputFiles({ name: 'requirements.txt', mimeType: 'text/plain', buffer: Buffer.from('greeting\n') });
    await page.getByText('Loaded requirements.txt.').waitFor();
    expect(await requirementsBox().inputValue()).toBe('greeting\n');
    await page.getByLabel('arm64').check();
    await page.getByRole('button', { name: 'Build layer' }).click();

    const submitted = page.locator('article.card').first();
    buildId = (await submitted.getAttribute('data-build-id'))!;
    expect(buildId).toMatch(/^[A-Za-z0-9-]+$/);
    await page.waitForSelector(`article.card[data-build-id="${buildId}"][data-status="COMPLETED"]`, { timeout: BUILD_DONE_MS });

    const done = card(buildId);
    await expect(done.locator('.arch[data-arch="x86_64"] .badge').textContent()).resolves.toBe('Completed');
    await expect(done.locator('.arch[data-arch="arm64"] .badge').textContent()).resolves.toBe('Completed');
    await expect(done.getByRole('region', { name: 'Report for x86_64' }).textContent()).resolves.toContain('2 packages');
    await expect(done.locator('.largest li').first().textContent()).resolves.toContain('greeting');
    const armCommand = await done.getByLabel('Publish command for combined-python3.12-aarch64.zip', { exact: true }).textContent();
    expect(armCommand).toContain('--zip-file fileb://combined-python3.12-aarch64.zip');
    expect(armCommand).toContain('--compatible-runtimes python3.12');
    expect(armCommand).toContain('--compatible-architectures arm64');
    await expect(done.getByLabel('Build log for x86_64', { exact: true }).textContent()).resolves.toContain('Successfully installed');
    await shot('desktop-light-completed');
  }, BUILD_DONE_MS + 30_000);

  it('downloads the zip through its button, with the shown sha256 and entries under python/', async () => {
    const file = card(submittedBuild()).locator('li.file[data-filename="combined-python3.12-x86_64.zip"]');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      file.getByRole('link', { name: 'Download combined-python3.12-x86_64.zip' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('combined-python3.12-x86_64.zip');
    const saved = join(data, 'from-browser.zip');
    await download.saveAs(saved);
    const bytes = await readFile(saved);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(await file.locator('.sha-value').textContent());
    const names = listZip(saved).map((entry) => entry.name);
    expect(names.every((name) => name.startsWith('python/'))).toBe(true);
    expect(names).toContain('python/lib/python3.12/site-packages/greeting/__init__.py');
    expect(names).toContain('python/lib/python3.12/site-packages/helper/__init__.py');
  });

  it('refuses a dropped file\'s "-e ." and shows the error next to line 2, without starting a build', async () => {
    await page.locator('.editor').evaluate((editor) => {
      const dropped = new DataTransfer();
      dropped.items.add(new File(['helper\n-e .\n'], 'requirements.txt', { type: 'text/plain' }));
      editor.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    });
    await page.getByText('Loaded requirements.txt.').waitFor();
    expect(await requirementsBox().inputValue()).toBe('helper\n-e .\n');
    await page.getByRole('button', { name: 'Build layer' }).click();
    const refused = page.locator('.line-errors li[data-line="2"]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Line 2 -e \..*\S/);
    expect(await page.locator('.gutter-refused').allTextContents()).toEqual(['2']);
    expect(await requirementsBox().getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('article.card').count()).toBe(1);
    await shot('desktop-light-refused-line');

    await refused.getByRole('button', { name: 'Line 2' }).click();
    const selected = await requirementsBox().evaluate((area: HTMLTextAreaElement) => [
      document.activeElement === area,
      area.value.slice(area.selectionStart, area.selectionEnd),
    ]);
    expect(selected).toEqual([true, '-e .']);
    await requirementsBox().fill('helper\nsomething-else\n');
    expect(await page.locator('.line-errors').count()).toBe(0);
  });

  it('resumes the remembered builds after a reload', async () => {
    const id = submittedBuild();
    await page.reload();
    await page.waitForSelector(`article.card[data-build-id="${id}"][data-status="COMPLETED"]`, { timeout: 15_000 });
    expect(await card(id).getByRole('link', { name: /^Download / }).count()).toBe(2);
    expect(await page.locator('article.card').count()).toBe(1);
  });

  it('says clearly when the API is unreachable, and comes back with the defaults', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('API URL').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not reach the build service at http://127.0.0.1:9' });
    await alert.waitFor();
    expect(await alert.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await shot('desktop-light-unreachable');
    await page.getByRole('button', { name: 'Use defaults' }).click();
    await page.getByLabel('Python version').waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
  });

  it('fits a phone and dark mode without sideways scrolling', async () => {
    const id = submittedBuild();
    const widths: Record<string, [number, number]> = {};
    for (const [name, viewport] of Object.entries({ desktop: DESKTOP, phone: PHONE })) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize(viewport);
        await page.emulateMedia({ colorScheme: scheme });
        await page.locator(`article.card[data-build-id="${id}"] .badge`).first().waitFor();
        widths[`${name}-${scheme}`] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (!(name === 'desktop' && scheme === 'light')) await shot(`${name}-${scheme}`);
      }
    }
    for (const [key, [scrollWidth, innerWidth]] of Object.entries(widths)) expect(scrollWidth, key).toBeLessThanOrEqual(innerWidth);
  });
});
