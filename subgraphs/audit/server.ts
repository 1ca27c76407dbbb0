import { runSubgraph } from '../kit';
import { audit } from '.';

await runSubgraph(audit);
