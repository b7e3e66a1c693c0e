// Writes the generated files: docs/openapi.json, docs/access.md, docs/data-map.md, the special-category automaton
// (src/core/scrub/term-automaton.generated.ts) and the browser agent's bundle (src/agent/v1.generated.ts, with its
// integrity hash). Tests fail when one is stale.
import * as fs from 'node:fs';
import { accessDoc } from '#core/access-doc.ts';
import { dataMapDoc } from '#core/data-map.ts';
import { openApiDocument } from '#core/openapi.ts';
import { BROWSER_AGENT_MODULE, browserAgentModule } from '#lib/constructs/bundling.ts';
import { termWords } from '#core/scrub/special.ts';
import { termAutomatonModule } from '#core/scrub/term-automaton.ts';

fs.writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
fs.writeFileSync(new URL('../docs/access.md', import.meta.url), accessDoc());
fs.writeFileSync(new URL('../docs/data-map.md', import.meta.url), dataMapDoc());
fs.writeFileSync(
  new URL('../src/core/scrub/term-automaton.generated.ts', import.meta.url),
  termAutomatonModule(termWords()),
);
const agentModule = browserAgentModule();
fs.writeFileSync(BROWSER_AGENT_MODULE, agentModule);
// docs/browser-agent.md gives the tag with the integrity hash of exactly the file served
const agentDoc = new URL('../docs/browser-agent.md', import.meta.url);
const integrity = /sha384-[A-Za-z0-9+/=]+/.exec(agentModule)![0];
fs.writeFileSync(
  agentDoc,
  fs.readFileSync(agentDoc, 'utf8').replace(/integrity="sha384-[^"]*"/g, `integrity="${integrity}"`),
);
console.log(
  'wrote docs/openapi.json, docs/access.md, docs/data-map.md, src/core/scrub/term-automaton.generated.ts, src/agent/v1.generated.ts and the integrity hash in docs/browser-agent.md',
);
