import { runSubgraph } from '../kit/run-subgraph';
import { population } from '.';

await runSubgraph(population);
