import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printGatewaySchema } from './schema';

// `npm run schema`: regenerates the committed schema.graphql from the code.
const target = resolve(__dirname, '../../../schema.graphql');
writeFileSync(target, printGatewaySchema());
console.log(`Wrote ${target}`);
