import { runSubgraph } from '../kit/run-subgraph';
import { registry } from '.';

await runSubgraph(registry);
