// The signed-in session: loaded from GET /ui/session, created by POST /ui/session, ended by DELETE.
import { api, setCsrfToken } from './api';
import type { Session, SignInMethod } from './types';

export async function loadSession(): Promise<Session | null> {
  try {
    const s = await api<Session>('/ui/session');
    setCsrfToken(s.csrf_token);
    return s.signed_in || s.open ? s : null;
  } catch {
    setCsrfToken(undefined);
    return null;
  }
}

export async function signIn(key: string): Promise<Session> {
  const s = await api<Session>('/ui/session', { method: 'POST', body: { method: 'key', key } });
  setCsrfToken(s.csrf_token);
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await api('/ui/session', { method: 'DELETE' });
  } finally {
    setCsrfToken(undefined);
  }
}

export async function signInMethods(): Promise<SignInMethod[]> {
  try {
    return (await api<{ methods: SignInMethod[] }>('/ui/session/methods')).methods;
  } catch {
    return [{ id: 'key', label: 'Relais key' }];
  }
}
