import { runSubgraph } from '../kit';
import { population } from '.';

await runSubgraph(population);
