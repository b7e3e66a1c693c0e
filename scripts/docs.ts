// Writes the generated docs: docs/openapi.json, docs/access.md and docs/data-map.md (tests fail when they are stale).
import * as fs from 'node:fs';
import { accessDoc } from '#core/access-doc.ts';
import { dataMapDoc } from '#core/data-map.ts';
import { openApiDocument } from '#core/openapi.ts';

fs.writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
fs.writeFileSync(new URL('../docs/access.md', import.meta.url), accessDoc());
fs.writeFileSync(new URL('../docs/data-map.md', import.meta.url), dataMapDoc());
console.log('wrote docs/openapi.json, docs/access.md and docs/data-map.md');
