import { runSubgraph } from '../kit/run-subgraph';
import { residence } from '.';

await runSubgraph(residence);
