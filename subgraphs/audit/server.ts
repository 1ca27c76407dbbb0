import { runSubgraph } from '../common/run-subgraph';
import { audit } from '.';

await runSubgraph(audit);
