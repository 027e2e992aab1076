// The console shell: session, navigation, and the page for the current route.
import { useEffect, useState } from 'preact/hooks';
import { onSessionEnded } from './api';
import { Link } from './components/link';
import { ActivityPage } from './pages/activity';
import { AlertsPage } from './pages/alerts';
import { KeysPage } from './pages/keys';
import { LogsPage } from './pages/logs';
import { ModelsPage } from './pages/models';
import { MyKeyPage } from './pages/my-key';
import { PeoplePage } from './pages/people';
import { PlanPage } from './pages/plan';
import { PlaygroundPage } from './pages/playground';
import { SignIn } from './pages/signin';
import { navigate, useRoute } from './route';
import { loadSession, signOut } from './session';
import type { Session } from './types';

interface PageDef {
  readonly id: string;
  readonly label: string;
  readonly admin: boolean | 'both';
}

const pages: readonly PageDef[] = [
  { id: 'activity', label: 'Activity', admin: 'both' },
  { id: 'keys', label: 'Keys', admin: true },
  { id: 'key', label: 'My key', admin: false },
  { id: 'people', label: 'Users and teams', admin: true },
  { id: 'alerts', label: 'Alerts', admin: true },
  { id: 'models', label: 'Models and backends', admin: true },
  { id: 'playground', label: 'Playground', admin: 'both' },
  { id: 'logs', label: 'Logs', admin: true },
  { id: 'plan', label: 'Plan', admin: true },
];

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  // A failed single sign-on comes back as ?sign_in_error=… (shown once, then dropped from the address bar).
  const [notice, setNotice] = useState<string | null>(() => signInError());
  const route = useRoute();
  useEffect(() => {
    onSessionEnded((message) => {
      setNotice(`You were signed out: ${message}`);
      setSession(null);
    });
    void loadSession().then(setSession);
  }, []);
  useEffect(() => {
    const def = pages.find((p) => p.id === route.page);
    document.title = `${def?.label ?? 'Relais'} · Relais console`;
  }, [route.page]);

  if (session === undefined) return <main id="main" class="muted">Loading…</main>;
  if (session === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice(null);
          setSession(s);
        }}
      />
    );
  }
  const admin = session.principal.admin;
  const visible = pages.filter((p) => p.admin === 'both' || p.admin === admin);
  const page = visible.find((p) => p.id === route.page) ?? (visible[0] as PageDef);
  const who = session.open ? 'open gateway (no keys)' : session.principal.kind === 'master' ? 'master key' : session.principal.kind === 'user' ? (session.principal.user_name ?? session.principal.user_id ?? '') : (session.principal.key_name ?? session.principal.key_id ?? '');
  const doSignOut = async (): Promise<void> => {
    await signOut().catch(() => undefined);
    setNotice('Signed out.');
    setSession(null);
    navigate('/ui/');
  };
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Relais</span>
        <nav aria-label="Console pages">
          <ul>
            {visible.map((p) => (
              <li key={p.id}>
                <Link to={`/ui/${p.id}`} current={p.id === page.id}>
                  {p.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          <span data-testid="who">{who}</span>
          {admin ? <span class="badge">admin</span> : null}
          {session.signed_in ? (
            <button type="button" class="secondary" onClick={() => void doSignOut()}>
              Sign out
            </button>
          ) : null}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {page.id === 'activity' ? <ActivityPage admin={admin} params={route.params} /> : null}
        {page.id === 'keys' ? <KeysPage /> : null}
        {page.id === 'key' ? <MyKeyPage /> : null}
        {page.id === 'people' ? <PeoplePage /> : null}
        {page.id === 'alerts' ? <AlertsPage /> : null}
        {page.id === 'models' ? <ModelsPage /> : null}
        {page.id === 'playground' ? <PlaygroundPage /> : null}
        {page.id === 'logs' ? <LogsPage /> : null}
        {page.id === 'plan' ? <PlanPage /> : null}
      </main>
    </div>
  );
}

function signInError(): string | null {
  const params = new URLSearchParams(window.location.search);
  const message = params.get('sign_in_error');
  if (message === null) return null;
  params.delete('sign_in_error');
  const rest = params.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${rest ? `?${rest}` : ''}${window.location.hash}`);
  return `Sign-in failed: ${message.slice(0, 300)}`;
}
