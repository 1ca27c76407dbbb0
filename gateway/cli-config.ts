import { userInfo } from 'node:os';
import { z } from 'zod';
import { configSchema } from '../platform';
import { gatewayKeys } from './config';

/** The operator's login name, which names the officer of a registry action unless ONCE_OFFICER does. */
function loginName(): string {
  try {
    return userInfo().username || 'registry-cli';
  } catch {
    return 'registry-cli';
  }
}

/** What the CLIs that talk to a running gateway (`npm run registry`) read: which gateway, as whom, for which case. */
const cliKeys = {
  /**
   * The gateway's /graphql URL; default the one `npm start` runs on this machine (http://127.0.0.1:PORT/graphql). Taken
   * as given: one the CLI cannot reach is reported as such, with the URL it tried.
   */
  ONCE_GATEWAY: z.string().min(1).optional(),
  /** The agency client's API key the registry CLI sends; the CLI says how to get one when it is missing. */
  ONCE_API_KEY: z.string().optional(),
  /** The officer named on each registry action; default the operator's login name. */
  ONCE_OFFICER: z.string().min(1).default(loginName),
  /** The case each registry action is recorded under. */
  ONCE_CASE: z.string().min(1).default('registry-cli'),
  PORT: gatewayKeys.PORT,
};

export const cliConfig = configSchema(cliKeys);
