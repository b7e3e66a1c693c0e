// Writes the generated docs: docs/openapi.json and docs/access.md (tests fail when they are stale).
import * as fs from 'node:fs';
import { accessDoc } from '#core/access-doc.ts';
import { openApiDocument } from '#core/openapi.ts';

fs.writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
fs.writeFileSync(new URL('../docs/access.md', import.meta.url), accessDoc());
console.log('wrote docs/openapi.json and docs/access.md');
