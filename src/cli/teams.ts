// relais teams: see identities.ts.
import { runIdentities } from './identities.js';

export const run = (argv: string[]): Promise<number> => runIdentities('teams', argv);
