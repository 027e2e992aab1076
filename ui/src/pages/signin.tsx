// Sign in with a Relais key (admin keys see everything; other keys their own key, usage and playground).
// Other sign-in methods (single sign-on) listed by /ui/session/methods appear as buttons.
import { useEffect, useState } from 'preact/hooks';
import { ErrorLine } from '../components/status';
import { signIn, signInMethods } from '../session';
import type { Session, SignInMethod } from '../types';

export function SignIn(p: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [methods, setMethods] = useState<SignInMethod[]>([]);
  useEffect(() => {
    void signInMethods().then((m) => setMethods(m.filter((x) => x.id !== 'key')));
  }, []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await signIn(key.trim());
      setKey('');
      p.onSignedIn(s);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>Relais console</h1>
      {p.notice ? (
        <p class="notice" role="status">
          {p.notice}
        </p>
      ) : null}
      <form onSubmit={submit}>
        <label for="signin-key">Relais key</label>
        <input id="signin-key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} placeholder="rl-…" />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorLine error={error} />
      </form>
      <p class="muted">The key is sent once to start a session; it is kept in neither the address bar nor the browser's storage.</p>
      {methods.length > 0 ? (
        <div class="sso">
          {methods.map((m) => (
            <a class="button" href={m.start_url ?? '#'} key={m.id}>
              Sign in with {m.label}
            </a>
          ))}
        </div>
      ) : null}
    </main>
  );
}
