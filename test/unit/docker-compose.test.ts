// docker-compose.yml runs the README's "several instances" sandbox in containers. No Docker engine
// is at hand in CI, so this checks what can break without one: every variable it sets is one the
// configuration knows and accepts, the services point at each other by the names and ports they
// really have, the commands are the scripts npm runs, and the order is migrate → instances.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { knownVariables, loadConfig, loadDatabaseConfig, loadSimulatorConfig } from '../../src/config';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;
const ours = Object.entries(services).filter(([, s]) => s.build === '.');
const gateways = ours.filter(([, s]) => s.command === undefined);
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const dockerfile = read('Dockerfile');

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, a one-shot migration, the simulator and two gateway instances, all of ours from this Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway-1', 'gateway-2', 'migrate', 'postgres', 'redis', 'simulator']);
    expect(ours.map(([name]) => name).sort()).toEqual(['gateway-1', 'gateway-2', 'migrate', 'simulator']);
    expect(new Set(ours.map(([, s]) => s.image)).size).toBe(1);
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
  });

  it('sets only variables the configuration knows, with values it accepts', () => {
    const known = new Set(knownVariables());
    for (const [name, s] of ours) {
      const unknown = Object.keys(s.environment ?? {}).filter((v) => !known.has(v));
      expect([name, unknown]).toEqual([name, []]);
    }
    for (const [, s] of gateways) {
      const config = loadConfig(s.environment);
      expect(config).toMatchObject({ sandbox: true, production: false, migrateOnStart: false });
    }
    expect(loadDatabaseConfig(services.migrate.environment).databaseUrl).toMatch(/^postgres:\/\//);
    expect(loadSimulatorConfig(services.simulator.environment)).toMatchObject({ host: '0.0.0.0' });
  });

  it('runs the commands npm runs, built by the Dockerfile', () => {
    const script = (name: string) => pkg.scripts[name].split('&&').pop()!.trim().split(' ');
    expect(services.migrate.command).toEqual(script('migrate'));
    expect(services.simulator.command).toEqual(script('simulator'));
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main\.js"\]$/m);
    expect(script('start')).toEqual(['node', 'dist/src/main.js']);
    for (const command of [services.migrate.command!, services.simulator.command!]) {
      expect(existsSync(join(ROOT, command[1].replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    }
  });

  it('points the services at each other by their names and real ports', () => {
    const postgres = services.postgres.environment!;
    const databaseUrl = `postgres://${postgres.POSTGRES_USER}:${postgres.POSTGRES_PASSWORD}@postgres:5432/${postgres.POSTGRES_DB}`;
    const simulatorUrl = `http://simulator:${loadSimulatorConfig(services.simulator.environment).port}`;
    const port = loadConfig(gateways[0][1].environment).port;
    expect(dockerfile).toContain(`EXPOSE ${port}`);
    expect(services.migrate.environment!.DATABASE_URL).toBe(databaseUrl);
    expect(services.simulator.healthcheck!.test.join(' ')).toContain(`http://127.0.0.1:${services.simulator.environment!.SIMULATOR_PORT}/`);
    gateways.forEach(([name, s], i) => {
      expect(s.environment).toMatchObject({
        DATABASE_URL: databaseUrl,
        REDIS_URL: 'redis://redis:6379',
        SIMULATOR_URL: simulatorUrl,
        // the simulator reaches each instance by its own service name
        SIMULATOR_WEBHOOK_URL: `http://${name}:${port}/webhooks/whatsapp`,
      });
      expect(s.ports).toEqual([`${4000 + i}:${port}`]);
    });
  });

  it('migrates once before the instances start, with the simulator up', () => {
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const [, s] of gateways) {
      expect(s.depends_on).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, simulator: { condition: 'service_healthy' } });
    }
  });
});
