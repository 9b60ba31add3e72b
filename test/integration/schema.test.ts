import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printGatewaySchema } from '../../src/graphql/schema';

const root = join(__dirname, '../..');
const contractFile = (name: string) => readFileSync(join(root, 'contract', name), 'utf8');

/**
 * The API contract clients are written against (contract/README.md): the base, and each extension
 * the gateway implements read together with the base (an extension file alone does not build).
 */
const CONTRACTS: Array<[name: string, files: string[]]> = [
  ['schema.graphql', ['schema.graphql']],
  ['schema.graphql + business-webhooks.graphql', ['schema.graphql', 'business-webhooks.graphql']],
];

describe('schema.graphql', () => {
  it('is exactly what the code generates (run `npm run schema` after changing the API)', () => {
    expect(readFileSync(join(root, 'schema.graphql'), 'utf8')).toBe(printGatewaySchema());
  });

  it.each(CONTRACTS)('breaks nothing in the public contract %s', (_name, files) => {
    const contract = buildSchema(files.map(contractFile).join('\n'));
    const generated = buildSchema(printGatewaySchema());
    expect(findBreakingChanges(contract, generated)).toEqual([]);
  });

  it('would notice a breaking change (the check is live)', () => {
    const contract = buildSchema(contractFile('schema.graphql'));
    const broken = buildSchema(printGatewaySchema().replace('  whatsappCode: Int\n}', '  whatsappCode: String\n}'));
    expect(findBreakingChanges(contract, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_CHANGED_KIND', description: 'UserError.whatsappCode changed type from Int to String.' }),
    ]);
  });

  it('would notice a breaking change in an extension (the check is live)', () => {
    const contract = buildSchema(['schema.graphql', 'business-webhooks.graphql'].map(contractFile).join('\n'));
    const broken = buildSchema(printGatewaySchema().replace('  lastStatusCode: Int\n', '  lastStatusCode: String\n'));
    expect(findBreakingChanges(contract, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_CHANGED_KIND', description: 'WebhookDelivery.lastStatusCode changed type from Int to String.' }),
    ]);
  });
});
