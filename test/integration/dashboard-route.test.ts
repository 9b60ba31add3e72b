// The dashboard's static route: what it serves, the headers that keep the page safe (a strict
// Content-Security-Policy without inline code, no sniffing, no framing), and the redirect from /.
// The files here are a stand-in build in a temporary folder; the browser suite runs the real one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import { contentSecurityPolicy, dashboardRoutes, defaultDashboardDir } from '../../src/http/dashboard';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(dashboardRoutes(dir));
  app.use((_req, res) => res.status(404).json({ error: 'Not found' }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('dashboard route', () => {
  let built: string;
  let empty: string;
  let site: { url: string; server: Server };
  let unbuilt: { url: string; server: Server };

  beforeAll(async () => {
    built = mkdtempSync(join(tmpdir(), 'dashboard-'));
    mkdirSync(join(built, 'assets'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>t</title><script type="module" src="/dashboard/assets/app-ABC.js"></script>');
    writeFileSync(join(built, 'assets', 'app-ABC.js'), 'console.log(1)');
    empty = mkdtempSync(join(tmpdir(), 'dashboard-empty-'));
    site = await serve(built);
    unbuilt = await serve(empty);
  });
  afterAll(async () => {
    await new Promise((r) => site.server.close(r));
    await new Promise((r) => unbuilt.server.close(r));
    rmSync(built, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });

  it('serves the page at /dashboard and /dashboard/ with a strict policy naming only this host', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await fetch(`${site.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('/dashboard/assets/app-ABC.js');
      const host = new URL(site.url).host;
      expect(res.headers.get('content-security-policy')).toBe(
        `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self' ws://${host} wss://${host}; ` +
          "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('serves hashed assets as immutable, with the same headers, and 404 for anything else', async () => {
    const res = await fetch(`${site.url}/dashboard/assets/app-ABC.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    for (const path of ['/dashboard/assets/missing.js', '/dashboard/assets/../index.html', '/dashboard/assets/%2e%2e/index.html', '/dashboard/other']) {
      const miss = await fetch(`${site.url}${path}`);
      expect([404, 403, 400]).toContain(miss.status);
      expect(await miss.text()).not.toContain('<script');
    }
  });

  it('says how to build it when it is not built', async () => {
    const res = await fetch(`${unbuilt.url}/dashboard`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/run `npm run build`/);
  });

  it('never echoes a Host header that is not a host into the policy', () => {
    expect(contentSecurityPolicy('gateway.example:4000')).toContain("connect-src 'self' ws://gateway.example:4000 wss://gateway.example:4000;");
    expect(contentSecurityPolicy('[::1]:4000')).toContain("connect-src 'self' ws://[::1]:4000 wss://[::1]:4000;");
    for (const bad of ['evil.example; script-src *', 'a b', "x'", undefined, '']) {
      expect(contentSecurityPolicy(bad)).toContain("connect-src 'self';");
    }
  });

  it('looks for the build in dist/dashboard of the project', () => {
    expect(defaultDashboardDir()).toBe(join(__dirname, '..', '..', 'dist', 'dashboard'));
  });

  describe('in the gateway', () => {
    let t: TestGateway;
    beforeAll(async () => {
      t = await startTestGateway({ SANDBOX: 'true' });
    });
    afterAll(() => t.stop());

    it('redirects / to /dashboard, and keeps the policy off the API', async () => {
      const res = await fetch(`${t.url}/`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/dashboard');
      const api = await fetch(`${t.url}/healthz`);
      expect(api.headers.get('content-security-policy')).toBeNull();
      const notFound = await fetch(`${t.url}/nothing-here`);
      expect(notFound.status).toBe(404);
      expect(((await notFound.json()) as { error: string }).error).toMatch(/ops dashboard at \/dashboard/);
    });
  });
});
