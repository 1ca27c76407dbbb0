import { runSubgraph } from '../kit/run-subgraph';
import { audit } from '.';

await runSubgraph(audit);
