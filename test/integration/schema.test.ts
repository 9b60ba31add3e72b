import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printGatewaySchema } from '../../src/graphql/schema';

const root = join(__dirname, '../..');
// the API contract clients are written against (contract/README.md)
const contractPath = join(root, 'contract/schema.graphql');

describe('schema.graphql', () => {
  it('is exactly what the code generates (run `npm run schema` after changing the API)', () => {
    expect(readFileSync(join(root, 'schema.graphql'), 'utf8')).toBe(printGatewaySchema());
  });

  it('breaks nothing in the public contract', () => {
    const contract = buildSchema(readFileSync(contractPath, 'utf8'));
    const generated = buildSchema(printGatewaySchema());
    expect(findBreakingChanges(contract, generated)).toEqual([]);
  });

  it('would notice a breaking change (the check is live)', () => {
    const contract = buildSchema(readFileSync(contractPath, 'utf8'));
    const broken = buildSchema(printGatewaySchema().replace('  whatsappCode: Int\n}', '  whatsappCode: String\n}'));
    expect(findBreakingChanges(contract, broken)).toEqual([
      expect.objectContaining({ type: 'FIELD_CHANGED_KIND', description: 'UserError.whatsappCode changed type from Int to String.' }),
    ]);
  });
});
