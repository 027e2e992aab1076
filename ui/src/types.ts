// Shapes of the API answers the console reads (snake_case, as the gateway sends them).
export interface Principal {
  kind: 'anonymous' | 'master' | 'key' | 'user';
  admin: boolean;
  /** A person signed in with single sign-on. */
  user_name?: string | null;
  key_id: string | null;
  key_name: string | null;
  user_id: string | null;
  team_id: string | null;
}

export interface Session {
  signed_in: boolean;
  open?: boolean;
  method?: string;
  expires_at?: string;
  csrf_token?: string;
  principal: Principal;
}

export interface SignInMethod {
  id: string;
  label: string;
  start_url?: string;
}

export interface Key {
  id: string;
  name: string;
  prefix: string;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  expires_at: string | null;
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
  budget: number | null;
  budget_period: 'daily' | 'weekly' | 'monthly' | 'none';
  priority: 'interactive' | 'batch';
  zones: string[];
  logging: 'none' | 'metadata' | 'full';
  log_retention_days: number;
  admin: boolean;
  metadata: Record<string, string>;
  created_at: string;
  revoked_at: string | null;
  status?: string;
}

export interface Spend {
  key_id: string;
  budget: number | null;
  period: string;
  spent: number | null;
  reserved: number | null;
}

export interface User {
  id: string;
  name: string;
  email: string | null;
  team_id: string | null;
  created_at: string;
  /** Refused everywhere (sessions, keys, tokens) while true. */
  disabled?: boolean;
  admin?: boolean;
  /** 'admin' (made here), 'oidc' (single sign-on) or 'jwt' (machine token). */
  source?: string;
}

export interface Team {
  id: string;
  name: string;
  created_at: string;
}

export interface Totals {
  time?: string;
  group?: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cost: number;
  avg_ms: number;
}

export interface Activity {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  split: string | null;
  split_groups: string[] | null;
  totals: Totals;
  series: Totals[];
  top: { keys: Totals[]; models: Totals[] };
}

export interface Price {
  input: number;
  output: number;
  cached_input?: number;
}

export interface KeyModel {
  id: string;
  description: string | null;
  price: Price | null;
}

export interface List<T> {
  data: T[];
}
