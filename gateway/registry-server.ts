import { runSubgraph } from '../subgraphs/kit';
import { registry } from '../subgraphs/registry';
import { failingHealthChecks } from './subgraph-health';

// The registry subgraph as its own process. It lives with the gateway because it runs the gateways' health check
// before it records a version; the registry itself knows that check only by its type.
await runSubgraph(registry, failingHealthChecks);
