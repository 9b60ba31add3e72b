import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import express, { Router, type Request, type Response, type NextFunction } from 'express';

/**
 * The ops dashboard: static files built by `npm run build` (dashboard/build.mjs) into
 * dist/dashboard, served at /dashboard; `/` redirects there. The page talks to /graphql like any
 * client, so this route only serves files, under a strict Content-Security-Policy: scripts and
 * styles from this origin only (no inline code), and connections only to this gateway's HTTP and
 * WebSocket endpoints.
 */
export function dashboardRoutes(dir: string = defaultDashboardDir()): Router {
  const router = Router();
  router.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  router.use('/dashboard', securityHeaders);
  router.get(['/dashboard', '/dashboard/'], async (_req, res, next) => {
    try {
      const html = await readFile(join(dir, 'index.html'));
      res.status(200).type('html').setHeader('cache-control', 'no-cache').send(html);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return next(err);
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run `npm run build` (npm start does it), then reload this page.\n');
    }
  });
  // file names carry a hash of their content, so browsers may keep them for good
  router.use('/dashboard/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false }));
  return router;
}

function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('content-security-policy', contentSecurityPolicy(req.headers.host));
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  next();
}

/** A host header as it may appear in a URL (name or address, optional port); anything else is not echoed. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  // 'self' covers same-origin ws:/wss: only in newer browsers, so the WebSocket URL is named too
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** dist/dashboard under the project root (the folder with package.json), from src/ or dist/src/. */
export function defaultDashboardDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(__dirname, '..', '..', 'dashboard');
    dir = parent;
  }
  return join(dir, 'dist', 'dashboard');
}
