import { runSubgraph } from '../common/run-subgraph';
import { registry } from '.';

await runSubgraph(registry);
