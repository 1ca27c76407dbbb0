import { runSubgraph } from '../kit/run-subgraph';
import { procedures } from '.';

await runSubgraph(procedures);
