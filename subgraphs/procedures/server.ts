import { runSubgraph } from '../kit';
import { procedures } from '.';

await runSubgraph(procedures);
