import { writeFileSync } from 'node:fs';
import { renderManifests } from './manifests';

/** `npm run manifests`: writes deploy/kubernetes/once.yaml from the typed manifests (a test fails when it is stale). */
const file = new URL('./once.yaml', import.meta.url);
writeFileSync(file, renderManifests());
process.stdout.write(`wrote ${file.pathname}\n`);
