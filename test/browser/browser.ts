// A real browser for the dashboard tests: Debian's chromium driven by playwright-core, with every
// request, console message, page error and dialog of each page recorded so a test can assert that
// the page talked to nobody but the gateway and logged no error.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (bash .ci/run does), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** every URL the page asked for: HTTP requests and WebSockets */
  urls: string[];
  requests: Array<{ url: string; method: string; headers: Record<string, string> }>;
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  navigations: number;
  close(): Promise<void>;
}

/** A fresh context (its own session storage) and page, watched. */
export async function openPage(
  browser: Browser,
  options: { width?: number; height?: number; reducedMotion?: 'reduce' | 'no-preference' } = {},
): Promise<Watched> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    acceptDownloads: true,
    reducedMotion: options.reducedMotion ?? 'no-preference',
  });
  const page = await context.newPage();
  const w: Watched = {
    page,
    context,
    urls: [],
    requests: [],
    consoleErrors: [],
    pageErrors: [],
    dialogs: [],
    navigations: 0,
    close: () => context.close(),
  };
  page.on('request', (r) => {
    w.urls.push(r.url());
    w.requests.push({ url: r.url(), method: r.method(), headers: r.headers() });
  });
  page.on('websocket', (ws) => w.urls.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'assert') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) w.navigations++;
  });
  return w;
}

/** Nothing but the gateway was contacted, nothing was logged as an error, no script ran a dialog. */
export function expectClean(w: Watched, gatewayUrl: string, allowedConsoleErrors: RegExp[] = []): void {
  const origin = new URL(gatewayUrl);
  const foreign = w.urls.filter((u) => {
    const url = new URL(u);
    return url.host !== origin.host || !['http:', 'ws:'].includes(url.protocol);
  });
  expect(foreign).toEqual([]);
  expect(w.consoleErrors.filter((e) => !allowedConsoleErrors.some((a) => a.test(e)))).toEqual([]);
  expect(w.pageErrors).toEqual([]);
  expect(w.dialogs).toEqual([]);
}
