// The console's routes on the gateway's port: the session API under /ui/session and the built app under /ui/.
// Everything else the console shows comes from the public admin and key-scoped APIs.
import type { ExtraRoute } from '../server/routes.js';
import { errors } from '../protocol/errors.js';
import { ConsoleFiles } from './static-files.js';
import { sessionRoutes, type SessionRouteDeps } from './session-routes.js';

export interface ConsoleRouteDeps extends SessionRouteDeps {
  readonly files?: ConsoleFiles | undefined;
}

export function consoleRoutes(deps: ConsoleRouteDeps): ExtraRoute[] {
  const files = deps.files ?? new ConsoleFiles();
  const session = sessionRoutes(deps);
  return [
    { method: 'POST', path: '/ui/session', auth: false, handler: session.signIn },
    { method: 'GET', path: '/ui/session', auth: false, handler: session.current },
    { method: 'DELETE', path: '/ui/session', auth: false, handler: session.signOut },
    { method: 'GET', path: '/ui/session/methods', auth: false, handler: session.methods },
    {
      method: '*',
      path: '/ui',
      auth: false,
      handler: async (_req, res) => {
        res.writeHead(308, { location: '/ui/' });
        res.end();
      },
    },
    {
      method: '*',
      path: '/ui/',
      auth: false,
      handler: async (req, res, ctx) => {
        if (ctx.path.startsWith('/ui/session')) throw errors.methodNotAllowed(req.method ?? 'GET', ctx.path);
        if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(req.method ?? 'GET', ctx.path);
        files.serve(req, res, ctx.path.slice('/ui/'.length));
      },
    },
  ];
}
