import { runSubgraph } from '../kit';
import { residence } from '.';

await runSubgraph(residence);
