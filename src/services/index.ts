import type { Config } from '../config';
import type { Database } from '../db/database';
import { AuthService } from './auth';
import { NodeService } from './nodes';
import { TenancyService } from './tenancy';

/** Every service, wired once at start and shared by all requests. */
export interface Services {
  auth: AuthService;
  tenancy: TenancyService;
  nodes: NodeService;
}

export function createServices(config: Config, db: Database): Services {
  if (!config.secretsKey) throw new Error('SECRETS_KEY must be resolved before the services start');
  return {
    auth: new AuthService(db, config.adminApiKey),
    tenancy: new TenancyService(db, config.secretsKey),
    nodes: new NodeService(db),
  };
}
