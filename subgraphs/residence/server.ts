import { runSubgraph } from '../common/run-subgraph';
import { residence } from '.';

await runSubgraph(residence);
