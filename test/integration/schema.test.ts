import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printGatewaySchema } from '../../src/graphql/schema';

const root = join(__dirname, '../..');
// the API contract clients are written against (contract/README.md): the base, and each extension
// of it the gateway implements, read together with the base
const contract = (...files: string[]) => files.map((f) => readFileSync(join(root, 'contract', f), 'utf8')).join('\n');
const CONTRACTS: Array<[string, string[]]> = [
  ['schema.graphql', ['schema.graphql']],
  ['schema.graphql + whatsapp-2026.graphql', ['schema.graphql', 'whatsapp-2026.graphql']],
  ['schema.graphql + business-webhooks.graphql', ['schema.graphql', 'business-webhooks.graphql']],
  ['schema.graphql + refunds.graphql', ['schema.graphql', 'refunds.graphql']],
  ['schema.graphql + every extension', ['schema.graphql', 'whatsapp-2026.graphql', 'business-webhooks.graphql', 'refunds.graphql']],
];

describe('schema.graphql', () => {
  it('is exactly what the code generates (run `npm run schema` after changing the API)', () => {
    expect(readFileSync(join(root, 'schema.graphql'), 'utf8')).toBe(printGatewaySchema());
  });

  it.each(CONTRACTS)('breaks nothing in the public contract: %s', (_name, files) => {
    const generated = buildSchema(printGatewaySchema());
    expect(findBreakingChanges(buildSchema(contract(...files)), generated)).toEqual([]);
  });

  it('would notice a breaking change (the check is live)', () => {
    const base = buildSchema(contract('schema.graphql'));
    const broken = buildSchema(printGatewaySchema().replace('  whatsappCode: Int\n}', '  whatsappCode: String\n}'));
    expect(findBreakingChanges(base, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_CHANGED_KIND', description: 'UserError.whatsappCode changed type from Int to String.' }),
    ]);
  });

  it('would notice a broken extension (whatsapp-2026.graphql is really read with the base)', () => {
    const extended = buildSchema(contract('schema.graphql', 'whatsapp-2026.graphql'));
    expect(extended.getType('Beneficiary')).toBeDefined();
    const broken = buildSchema(printGatewaySchema().replace(/\n  expired: Boolean!\n/, '\n'));
    expect(findBreakingChanges(extended, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_REMOVED', description: 'Order.expired was removed.' }),
    ]);
    // the base alone does not have it: only the extension catches its removal
    expect(findBreakingChanges(buildSchema(contract('schema.graphql')), broken)).toEqual([]);
  });

  it('would notice a breaking change in business-webhooks.graphql (the check is live)', () => {
    const extended = buildSchema(contract('schema.graphql', 'business-webhooks.graphql'));
    const broken = buildSchema(printGatewaySchema().replace('  lastStatusCode: Int\n', '  lastStatusCode: String\n'));
    expect(findBreakingChanges(extended, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_CHANGED_KIND', description: 'WebhookDelivery.lastStatusCode changed type from Int to String.' }),
    ]);
  });
});
