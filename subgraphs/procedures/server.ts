import { runSubgraph } from '../common/run-subgraph';
import { procedures } from '.';

await runSubgraph(procedures);
