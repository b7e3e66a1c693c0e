// Writes docs/openapi.json from the handlers' schemas (a test fails when the file is stale).
import * as fs from 'node:fs';
import { openApiDocument } from '#core/openapi.ts';

fs.writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log('wrote docs/openapi.json');
