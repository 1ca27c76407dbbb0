import { runSubgraph } from '../kit';
import { registry } from '.';

await runSubgraph(registry);
