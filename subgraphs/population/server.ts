import { runSubgraph } from '../common/run-subgraph';
import { population } from '.';

await runSubgraph(population);
